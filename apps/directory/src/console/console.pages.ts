import { html, layout, type SafeHtml, trustedHtml } from '@lapse/shared/http/page';
import { canManageOrg, ROLE_NAMES } from './console-gate';
import type { ConsoleAdmin } from './console-session.store';

/** Extra style of the console (status badges, the progress bar, definition lists), with the page's nonce. */
const CONSOLE_STYLE = trustedHtml(`
.brand{font-weight:700}.who{margin-left:auto;display:flex;gap:.75rem;align-items:center}
.badge.ACTIVE{color:var(--ok)}.badge.PASSWORD_EXPIRED,.badge.LOCKED_OUT,.badge.SUSPENDED{color:var(--danger)}
.badge.DEPROVISIONED,.badge.STAGED,.badge.PROVISIONED,.badge.RECOVERY{color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.25rem}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.actions{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(17rem,1fr))}
.actions section{border:1px solid var(--line);border-radius:.4rem;padding:.75rem 1rem}
.actions h3{margin-top:0;font-size:1.05rem}.reason{font-size:.9rem;color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}.filters>div{min-width:12rem}
.filters input[type=search]{min-width:18rem}progress{width:100%;height:1.5rem}
.secret{font-family:ui-monospace,monospace;font-size:1.4rem;padding:.4rem .8rem;border:1px dashed var(--ink);display:inline-block}
.pager{display:flex;gap:1rem;margin-top:1rem}details.more{margin:1rem 0}details.more summary{cursor:pointer;font-weight:600}
fieldset{border:1px solid var(--line);border-radius:.3rem;margin:0 0 1rem}fieldset.choices label{display:inline;font-weight:400;margin-right:1rem}
input[type=number]{width:8rem}.actions form{margin:.4rem 0}p>input[type=checkbox]+label{display:inline;font-weight:400}
.ok{color:var(--ok)}
`);

export const STATUS_LABELS: Readonly<Record<string, string>> = {
  ACTIVE: 'Active',
  PASSWORD_EXPIRED: 'Password expired',
  LOCKED_OUT: 'Locked out',
  SUSPENDED: 'Suspended',
  DEPROVISIONED: 'Deactivated',
  STAGED: 'Staged',
  PROVISIONED: 'Pending user action',
  RECOVERY: 'Password reset',
};

export const PROVIDER_LABELS: Readonly<Record<string, string>> = {
  OKTA: 'Okta',
  IMPORT: 'Imported',
  ACTIVE_DIRECTORY: 'Active Directory',
  LDAP: 'LDAP',
  FEDERATION: 'Federation',
  SOCIAL: 'Social',
};

export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge ${status}">${STATUS_LABELS[status] ?? status}</span>`;
}

/** `2026-12-07 00:42 UTC`, or the fallback when there is no time. */
export function when(iso: string | Date | null | undefined, fallback = 'Never'): string {
  if (!iso) return fallback;
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export type Section = 'people' | 'jobs' | 'logs' | 'policy' | 'tokens';

const NAV: readonly { section: Section; href: string; label: string }[] = [
  { section: 'people', href: '/admin/people', label: 'People' },
  { section: 'jobs', href: '/admin/jobs', label: 'Bulk expiry jobs' },
  { section: 'logs', href: '/admin/logs', label: 'System Log' },
  { section: 'policy', href: '/admin/policy', label: 'Password policy' },
  { section: 'tokens', href: '/admin/tokens', label: 'API tokens' },
];

export interface ConsolePageOptions {
  readonly title: string;
  readonly nonce: string;
  readonly admin: ConsoleAdmin;
  readonly csrf: string;
  readonly section?: Section;
  readonly main: SafeHtml;
  readonly script?: SafeHtml;
}

/** A page of the signed-in console: product bar, navigation, who is signed in and the sign-out button. */
export function consolePage(options: ConsolePageOptions): SafeHtml {
  const { admin } = options;
  const links = NAV.filter((item) => item.section !== 'tokens' || canManageOrg(admin)).map(
    (item) =>
      html`<a href="${item.href}"${item.section === options.section ? trustedHtml(' aria-current="page"') : ''}>${item.label}</a>`,
  );
  const header = html`<header class="bar"><span class="brand">Lapse Admin</span>
<nav aria-label="Console">${links}</nav>
<div class="who"><span>${admin.name} <span class="muted">(${ROLE_NAMES[admin.role]})</span></span>
<form method="post" action="/admin/signout"><input type="hidden" name="csrf" value="${options.csrf}">
<button type="submit" class="secondary">Sign out</button></form></div></header>`;
  return layout({
    title: `${options.title} · Lapse Admin`,
    nonce: options.nonce,
    header,
    main: html`<style nonce="${options.nonce}">${CONSOLE_STYLE}</style>${options.main}`,
    script: options.script,
  });
}

/** A page shown before sign-in (sign-in, setup, change password, refusals). */
export function publicPage(title: string, nonce: string, main: SafeHtml): SafeHtml {
  return layout({
    title: `${title} · Lapse Admin`,
    nonce,
    width: 'narrow',
    header: html`<header class="bar"><span class="brand">Lapse Admin</span></header>`,
    main: html`<style nonce="${nonce}">${CONSOLE_STYLE}</style>${main}`,
  });
}

export function errorList(messages: readonly string[]): SafeHtml {
  if (messages.length === 0) return html``;
  return html`<div class="errors" role="alert"><p><strong>${messages.length === 1 ? 'There is a problem:' : 'There are problems:'}</strong></p>
<ul>${messages.map((message) => html`<li>${message}</li>`)}</ul></div>`;
}

export function signInPage(options: {
  nonce: string;
  csrf: string;
  username?: string;
  errors?: readonly string[];
  notice?: string;
}): SafeHtml {
  return publicPage(
    'Sign in',
    options.nonce,
    html`<h1>Sign in to the admin console</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${errorList(options.errors ?? [])}
<form method="post" action="/admin/signin">
<input type="hidden" name="csrf" value="${options.csrf}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required value="${options.username ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

export function changePasswordPage(options: {
  nonce: string;
  csrf: string;
  errors?: readonly string[];
}): SafeHtml {
  return publicPage(
    'Change your password',
    options.nonce,
    html`<h1>Your password has expired</h1>
<p>Choose a new password to continue to the admin console.</p>
${errorList(options.errors ?? [])}
<form method="post" action="/admin/change-password">
<input type="hidden" name="csrf" value="${options.csrf}">
<label for="oldPassword">Current password</label>
<input id="oldPassword" name="oldPassword" type="password" autocomplete="current-password" required>
<label for="newPassword">New password</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required>
<label for="confirmPassword">Repeat the new password</label>
<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required>
<p><button type="submit">Change password</button></p>
</form>`,
  );
}

export function setupPage(options: {
  nonce: string;
  csrf: string;
  values?: Record<string, string>;
  errors?: readonly string[];
}): SafeHtml {
  const value = (name: string) => options.values?.[name] ?? '';
  const field = (name: string, label: string, type: string, autocomplete: string) =>
    html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="${type}" autocomplete="${autocomplete}" required value="${type === 'password' ? '' : value(name)}">`;
  return publicPage(
    'Set up the admin console',
    options.nonce,
    html`<h1>Create the first super administrator</h1>
<p>Type the one-time setup code that Lapse printed when it started, and the new administrator's details.</p>
${errorList(options.errors ?? [])}
<form method="post" action="/admin/setup">
<input type="hidden" name="csrf" value="${options.csrf}">
${field('code', 'Setup code', 'text', 'off')}
${field('login', 'Username', 'text', 'username')}
${field('email', 'Email', 'email', 'email')}
${field('firstName', 'First name', 'text', 'given-name')}
${field('lastName', 'Last name', 'text', 'family-name')}
${field('password', 'Password', 'password', 'new-password')}
<p><button type="submit">Create super administrator</button></p>
</form>`,
  );
}

export function messagePage(
  nonce: string,
  title: string,
  message: string,
  link?: { href: string; label: string },
): SafeHtml {
  return publicPage(
    title,
    nonce,
    html`<h1>${title}</h1><p role="status">${message}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''}`,
  );
}
