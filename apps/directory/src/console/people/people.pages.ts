import { html, type SafeHtml } from '@lapse/shared/http/page';
import { ROLE_LABELS } from '../../admin-roles/admin-role.presenter';
import type { TempPasswordDelivery } from '../../user/user.presenter';
import {
  adminRolesOf,
  type AdminRoleType,
  type ExistingUser,
  expiryOf,
  isInOneTimePasswordMode,
  ONE_TIME_PASSWORD_MODE_MESSAGE,
} from '../../user/domain/user.state';
import { canManageUsers, ROLE_NAMES, superAdminOnlyReason } from '../console-gate';
import type { ConsoleAdmin } from '../console-session.store';
import { errorList, PROVIDER_LABELS, STATUS_LABELS, statusBadge, when } from '../console.pages';
import { PROVIDER_TYPES } from '../../user/create-user/create-user.request.dto';
import { type PeoplePage, type PeopleQuery, STATUSES } from './people.query';

export const displayName = (user: ExistingUser) =>
  [user.profile.firstName, user.profile.lastName].filter(Boolean).join(' ') || user.profile.login;

function options(values: readonly string[], labels: Readonly<Record<string, string>>, selected: string) {
  return values.map(
    (value) =>
      html`<option value="${value}"${selected === value ? html` selected` : ''}>${labels[value] ?? value}</option>`,
  );
}

/** Why a button is disabled, tied to it for screen readers. */
function disabledReason(id: string, reason: string | null): { attrs: SafeHtml; note: SafeHtml } {
  if (!reason) return { attrs: html``, note: html`` };
  return {
    attrs: html` disabled aria-describedby="${id}"`,
    note: html`<p class="reason" id="${id}">${reason}</p>`,
  };
}

export function peopleMain(admin: ConsoleAdmin, query: PeopleQuery, page: PeoplePage): SafeHtml {
  const bulkReason = superAdminOnlyReason(admin, "expire everyone's password");
  const bulk = bulkReason
    ? html`<p><span class="button secondary" aria-disabled="true">Expire Passwords</span></p><p class="reason">${bulkReason}</p>`
    : html`<p><a class="button secondary" href="/admin/people/expire-passwords">Expire Passwords</a></p>`;
  const keep = new URLSearchParams();
  if (query.search) keep.set('search', query.search);
  if (query.status) keep.set('status', query.status);
  if (query.provider) keep.set('provider', query.provider);
  const next = page.nextAfter ? new URLSearchParams([...keep, ['after', page.nextAfter]]) : null;
  const rows = page.users.map(
    (user) => html`<tr><td><a href="/admin/people/${user.userId}">${displayName(user)}</a></td>
<td>${user.profile.login}</td><td>${user.profile.email ?? ''}</td>
<td>${PROVIDER_LABELS[user.provider.type] ?? user.provider.type}</td><td>${statusBadge(user.status)}</td></tr>`,
  );
  return html`<h1>People</h1>
<details class="more"><summary>More Actions</summary>${bulk}</details>
<form method="get" action="/admin/people" class="filters" role="search" aria-label="People">
<div><label for="search">Search by name, username or email</label>
<input id="search" name="search" type="search" value="${query.search}"></div>
<div><label for="status">Status</label><select id="status" name="status"><option value="">Any status</option>${options(STATUSES, STATUS_LABELS, query.status)}</select></div>
<div><label for="provider">Provider</label><select id="provider" name="provider"><option value="">Any provider</option>${options(PROVIDER_TYPES, PROVIDER_LABELS, query.provider)}</select></div>
<div><button type="submit">Search</button></div>
</form>
<table><caption class="muted">${page.users.length === 0 ? 'No one matches.' : `Showing ${page.users.length} ${page.users.length === 1 ? 'person' : 'people'}${query.after ? ' (a later page)' : ''}.`}</caption>
<thead><tr><th scope="col">Person</th><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Provider</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody></table>
<nav class="pager" aria-label="Pages">${query.after ? html`<a href="/admin/people?${keep.toString()}">First page</a>` : ''}${next ? html`<a href="/admin/people?${next.toString()}">Next page</a>` : ''}</nav>`;
}

export interface UserPageFacts {
  readonly user: ExistingUser;
  readonly delivery: TempPasswordDelivery | null;
  readonly lastLogin: string | null;
  readonly roles: readonly AdminRoleType[];
  /** The groups the user is a member of (`GET /api/v1/users/{id}/groups`), by name. */
  readonly groups: readonly { readonly id: string; readonly name: string }[];
}

const DELIVERY_LABELS: Readonly<Record<TempPasswordDelivery['status'], string>> = {
  NOT_REQUESTED: 'Not sent: the administrator gives it to the user',
  REQUESTED: 'Being sent',
  DELIVERED: 'Delivered',
  FAILED: 'Delivery failed',
};

export function deliveryText(delivery: TempPasswordDelivery | null): string {
  if (!delivery) return 'No delivery recorded yet';
  const channel = delivery.channel ? ` by ${delivery.channel.toLowerCase()}` : '';
  const reason = delivery.reason ? ` (${delivery.reason})` : '';
  return `${DELIVERY_LABELS[delivery.status]}${delivery.status === 'NOT_REQUESTED' ? '' : channel}, ${when(delivery.at)}${reason}`;
}

const DONE: Readonly<Record<string, string>> = {
  expired: 'Password expired. The user keeps their sessions and must change the password at next sign-in.',
  unlock: 'User unlocked.',
  suspend: 'User suspended. Their sessions have ended.',
  unsuspend: 'User unsuspended.',
  deactivate: 'User deactivated. Their sessions have ended.',
  activate: 'User activated.',
  'reset-link': 'A reset-password email is on its way to the user.',
  'clear-sessions': "All of the user's sessions have ended.",
  'role-assigned': 'The admin role was assigned.',
  'role-removed': 'The admin role was removed.',
  exempted:
    "The user is exempt from password expiry by age: the policy's maximum age no longer expires their password.",
  'exemption-ended':
    "The exemption has ended: the policy's maximum age applies to the user's password again.",
};

export function userMain(
  admin: ConsoleAdmin,
  facts: UserPageFacts,
  notices: { done?: string; errors?: readonly string[] },
  csrf: string,
): SafeHtml {
  const { user } = facts;
  const oneTime = isInOneTimePasswordMode(user);
  const expiry = expiryOf(user);
  const readOnly = canManageUsers(admin)
    ? null
    : `Your role (${ROLE_NAMES[admin.role].toLowerCase()}) can view users but not change them.`;
  const hasPassword = user.provider.type !== 'FEDERATION' && user.provider.type !== 'SOCIAL';
  const form = (
    action: string,
    label: string,
    reason: string | null,
    id: string,
    extra?: SafeHtml,
    danger = false,
  ) => {
    const disabled = disabledReason(`${id}-reason`, reason);
    return html`<form method="post" action="/admin/people/${user.userId}/${action}">
<input type="hidden" name="csrf" value="${csrf}">${extra ?? ''}
<button type="submit" id="${id}"${danger ? html` class="danger"` : ''}${disabled.attrs}>${label}</button>${disabled.note}</form>`;
  };
  const statusReason = (allowed: readonly string[], what: string) =>
    readOnly ??
    (allowed.includes(user.status)
      ? null
      : `${what} is not possible while the user is ${STATUS_LABELS[user.status].toLowerCase()}.`);
  const noPassword = hasPassword
    ? null
    : `This user signs in with ${PROVIDER_LABELS[user.provider.type]}: Lapse holds no password.`;
  const resetReason =
    readOnly ??
    noPassword ??
    (oneTime
      ? 'Reset password links cannot be created while the user is in one-time password mode.'
      : null) ??
    statusReason(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT'], 'A reset link');
  const passwordActionReason =
    readOnly ??
    noPassword ??
    statusReason(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT', 'SUSPENDED'], 'This');
  const channels = html`<fieldset class="choices"><legend>Deliver the temporary password by</legend>
<input type="radio" id="channel-email" name="deliver" value="email" checked><label for="channel-email">Email</label>
<input type="radio" id="channel-voice" name="deliver" value="voice"><label for="channel-voice">Voice call</label>
<input type="radio" id="channel-none" name="deliver" value="none"><label for="channel-none">None (I give it to the user)</label>
</fieldset>`;
  return html`<p><a href="/admin/people">People</a></p>
<h1>${displayName(user)}</h1>
${notices.done && DONE[notices.done] ? html`<p class="notice" role="status">${DONE[notices.done]}</p>` : ''}
${errorList(notices.errors ?? [])}
${oneTime ? html`<p class="notice" role="status">${ONE_TIME_PASSWORD_MODE_MESSAGE}</p>` : ''}
<dl class="facts">
<dt>Status</dt><dd>${statusBadge(user.status)}</dd>
<dt>Username</dt><dd>${user.profile.login}</dd>
<dt>Email</dt><dd>${user.profile.email ?? 'None'}</dd>
<dt>Provider</dt><dd>${PROVIDER_LABELS[user.provider.type] ?? user.provider.type}${user.provider.name !== user.provider.type ? ` (${user.provider.name})` : ''}</dd>
<dt>Last password change</dt><dd>${when(user.password?.changedAt, hasPassword ? 'Never' : 'Not held by Lapse')}</dd>
${expiry ? html`<dt>Password expired</dt><dd>${when(expiry.expiredAt)}${expiry.cause === 'BULK' ? ' (bulk expiry)' : ''}</dd>` : ''}
<dt>Last sign-in</dt><dd>${when(facts.lastLogin)}</dd>
${expiry?.temporary ? html`<dt>Temporary password</dt><dd>Expires ${when(expiry.temporary.expiresAt)}</dd><dt>Temporary password delivery</dt><dd id="delivery-status">${deliveryText(facts.delivery)}</dd>` : ''}
<dt>Admin roles</dt><dd>${facts.roles.length === 0 ? 'None' : facts.roles.map((role) => ROLE_LABELS[role]).join(', ')}</dd>
<dt>Password expiry by age</dt><dd id="age-exemption">${user.passwordAgeExempt ? 'Exempt: the maximum password age does not apply' : 'Applies (not exempt)'}</dd>
<dt>Groups</dt><dd id="groups">${facts.groups.length === 0 ? 'None' : html`<ul class="plain">${facts.groups.map((group) => html`<li>${group.name}</li>`)}</ul>`}</dd>
</dl>
<h2>Actions</h2>
<div class="actions">
<section aria-labelledby="reset-heading"><h3 id="reset-heading">Reset Password</h3>
${form('reset-password/temporary', 'Temporary Password', passwordActionReason, 'temporary-password', channels)}
${form('reset-password/link', 'Send reset link by email', resetReason, 'reset-link')}
</section>
<section aria-labelledby="expire-heading"><h3 id="expire-heading">Expire Password</h3>
<p>The user keeps their sessions and must change the password at next sign-in.</p>
${form('expire-password', 'Expire Password', passwordActionReason, 'expire-password')}
</section>
<section aria-labelledby="status-heading"><h3 id="status-heading">Status</h3>
${user.status === 'LOCKED_OUT' ? form('unlock', 'Unlock', readOnly, 'unlock') : ''}
${user.status === 'SUSPENDED' ? form('unsuspend', 'Unsuspend', readOnly, 'unsuspend') : ''}
${user.status === 'STAGED' || user.status === 'DEPROVISIONED' ? form('activate', 'Activate', readOnly, 'activate') : ''}
${user.status !== 'SUSPENDED' && user.status !== 'DEPROVISIONED' && user.status !== 'STAGED' && user.status !== 'PROVISIONED' ? form('suspend', 'Suspend', statusReason(['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT'], 'Suspending'), 'suspend') : ''}
${user.status !== 'DEPROVISIONED' ? form('deactivate', 'Deactivate', readOnly ?? (admin.userId === user.userId ? 'You cannot deactivate yourself.' : null), 'deactivate', undefined, true) : ''}
</section>
<section aria-labelledby="sessions-heading"><h3 id="sessions-heading">Sessions</h3>
<p>Ends every session of the user: they must sign in again.</p>
${form('clear-sessions', 'Clear sessions', readOnly, 'clear-sessions')}
</section>
</div>
${exemptionSection(admin, user, csrf)}
${rolesSection(admin, user, csrf)}`;
}

/**
 * The exemption from the policy's maximum password age (service accounts), set or ended by a super
 * administrator with an optional reason (the API's `PUT …/credentials/password_expiry_exemption`).
 */
function exemptionSection(admin: ConsoleAdmin, user: ExistingUser, csrf: string): SafeHtml {
  const disabled = disabledReason(
    'age-exemption-reason',
    superAdminOnlyReason(admin, 'change the exemption'),
  );
  const exempt = user.passwordAgeExempt === true;
  return html`<h2 id="exemption-heading">Password expiry by age</h2>
<section aria-labelledby="exemption-heading">
<p>${exempt ? "The policy's maximum password age does not expire this user's password. An administrator's Expire Password still applies." : "The policy's maximum password age applies. Exempt accounts that must not expire by age (e.g. service accounts)."}</p>
<form method="post" action="/admin/people/${user.userId}/password-age-exemption" class="filters">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="exempt" value="${exempt ? 'false' : 'true'}">
<div><label for="exemption-reason">Reason (recorded in the System Log, optional)</label>
<input id="exemption-reason" name="reason" type="text" maxlength="255"${disabled.attrs}></div>
<div><button type="submit" id="age-exemption-change"${disabled.attrs}>${exempt ? 'End exemption' : 'Exempt from expiry by age'}</button>${disabled.note}</div>
</form></section>`;
}

const ROLE_TYPES: readonly AdminRoleType[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];

/** The user's admin roles; a super administrator assigns and removes them (the roles API's service). */
function rolesSection(admin: ConsoleAdmin, user: ExistingUser, csrf: string): SafeHtml {
  const reason = superAdminOnlyReason(admin, 'change admin roles');
  const held = adminRolesOf(user);
  const free = ROLE_TYPES.filter((type) => !held.some((role) => role.type === type));
  const removal = (roleId: string, label: string) => {
    const disabled = disabledReason(`remove-${roleId}-reason`, reason);
    return html`<form method="post" action="/admin/people/${user.userId}/roles/${roleId}/remove">
<input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary" aria-label="Remove ${label}"${disabled.attrs}>Remove</button>${disabled.note}</form>`;
  };
  const assignDisabled = disabledReason('assign-role-reason', reason);
  return html`<h2>Admin roles</h2>
<table><caption class="muted">${held.length === 0 ? 'This user holds no admin role and cannot use the console.' : 'Roles this user holds.'}</caption>
<thead><tr><th scope="col">Role</th><th scope="col">Assigned</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${held.map((role) => html`<tr><td>${ROLE_LABELS[role.type]}</td><td>${when(role.assignedAt)}</td><td>${removal(role.roleId, ROLE_LABELS[role.type])}</td></tr>`)}</tbody></table>
${
  free.length > 0
    ? html`<form method="post" action="/admin/people/${user.userId}/roles" class="filters">
<input type="hidden" name="csrf" value="${csrf}">
<div><label for="role-type">Role to assign</label><select id="role-type" name="type">${free.map((type) => html`<option value="${type}">${ROLE_LABELS[type]}</option>`)}</select></div>
<div><button type="submit" id="assign-role"${assignDisabled.attrs}>Assign role</button>${assignDisabled.note}</div></form>`
    : ''
}`;
}

/** The answer to Reset Password → Temporary Password: the password, shown once, with a copy button. */
export function temporaryPasswordMain(
  user: ExistingUser,
  tempPassword: string,
  delivery: TempPasswordDelivery | null,
  deliver: string,
): SafeHtml {
  return html`<p><a href="/admin/people/${user.userId}">Back to ${displayName(user)}</a></p>
<h1>Temporary password for ${displayName(user)}</h1>
<p class="notice" role="status">${ONE_TIME_PASSWORD_MODE_MESSAGE}</p>
<p>This is the only time the temporary password is shown. ${deliver === 'none' ? 'Give it to the user yourself.' : `It is also being sent by ${deliver}.`}</p>
<p><span class="secret" id="temp-password">${tempPassword}</span>
<button type="button" class="secondary" id="copy" hidden>Copy</button> <span id="copied" role="status" class="ok"></span></p>
<dl class="facts"><dt>Delivery status</dt><dd id="delivery-status">${deliveryText(delivery)}</dd></dl>
<p><a class="button" href="/admin/people/${user.userId}">Done</a></p>`;
}

/** The copy button: shown only where the clipboard works (the page reads without it). */
export const COPY_SCRIPT = html`(() => {
  const button = document.getElementById('copy');
  const secret = document.getElementById('temp-password');
  if (!navigator.clipboard || !button || !secret) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret.textContent);
      document.getElementById('copied').textContent = 'Copied to the clipboard.';
    } catch {
      document.getElementById('copied').textContent = 'Copy failed: select the password and copy it.';
    }
  });
})();`;
