import { html, layout, type SafeHtml, trustedHtml } from '@lapse/shared/http/page';
import type { PasswordPolicy } from '../sign-in/domain/password-policy';

/**
 * The hosted sign-in pages (`/signin/...`): plain forms that work without script, each field labelled, errors
 * listed in a summary that takes focus and linked to their fields with `aria-describedby`. The one script
 * moves focus to the error summary; nothing else runs.
 */

/** A problem shown above a form: a message, and the field it is about (linked from the summary). */
export interface PageProblem {
  readonly message: string;
  readonly field?: string;
}

interface FormBase {
  readonly nonce: string;
  readonly formToken: string;
  /** Where to go once signed in (checked against the allow-list again on every post). */
  readonly fromURI: string | null;
}

const FOCUS_ERRORS = trustedHtml("var s=document.getElementById('error-summary');if(s){s.focus();}");

function page(nonce: string, title: string, main: SafeHtml, problems: readonly PageProblem[] = []) {
  return layout({
    title: problems.length > 0 ? `Error: ${title}` : title,
    nonce,
    width: 'narrow',
    main,
    script: problems.length > 0 ? FOCUS_ERRORS : undefined,
  });
}

function errorSummary(problems: readonly PageProblem[]): SafeHtml | null {
  if (problems.length === 0) return null;
  return html`<div id="error-summary" class="errors" role="alert" tabindex="-1" aria-labelledby="error-title">
<h2 id="error-title">There is a problem</h2>
<ul>${problems.map((problem) =>
    problem.field
      ? html`<li><a href="#${problem.field}">${problem.message}</a></li>`
      : html`<li>${problem.message}</li>`,
  )}</ul></div>`;
}

/** The attributes that tie a field to its error message, when it has one (and to `describedBy` always). */
function fieldError(problems: readonly PageProblem[], field: string, describedBy?: string) {
  const own = problems.filter((problem) => problem.field === field);
  const always = describedBy ? html` aria-describedby="${describedBy}"` : html``;
  if (own.length === 0) return { attributes: always, message: null };
  const ids = describedBy ? `${field}-error ${describedBy}` : `${field}-error`;
  return {
    attributes: html` aria-invalid="true" aria-describedby="${ids}"`,
    message: html`<p id="${field}-error" class="error">${own.map((problem) => problem.message).join(' ')}</p>`,
  };
}

const hidden = (name: string, value: string | null) =>
  value === null ? null : html`<input type="hidden" name="${name}" value="${value}">`;

function formTail(form: FormBase) {
  return html`${hidden('csrfToken', form.formToken)}${hidden('fromURI', form.fromURI)}`;
}

export interface SignInPageOptions extends FormBase {
  readonly username?: string;
  readonly problems?: readonly PageProblem[];
  readonly notice?: string;
}

export function signInPage(options: SignInPageOptions): SafeHtml {
  const problems = options.problems ?? [];
  const username = fieldError(problems, 'username');
  const password = fieldError(problems, 'password');
  return page(
    options.nonce,
    'Sign in',
    html`<h1>Sign in</h1>${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : null}
${errorSummary(problems)}
<form method="post" action="/signin" novalidate>
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" required value="${options.username ?? ''}"${username.attributes}>${username.message}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${password.attributes}>${password.message}
${formTail(options)}
<p><button type="submit">Sign in</button></p>
</form>
<p><a href="/signin/forgot-password">Forgot password?</a></p>`,
    problems,
  );
}

/** The policy's rules, as a person reads them. */
export function policyRules(policy: PasswordPolicy): string[] {
  const { complexity: c, age } = policy;
  const rules = [`At least ${c.minLength} characters`];
  if (c.minLowerCase > 0) rules.push(`At least ${c.minLowerCase} lowercase letter(s)`);
  if (c.minUpperCase > 0) rules.push(`At least ${c.minUpperCase} uppercase letter(s)`);
  if (c.minNumber > 0) rules.push(`At least ${c.minNumber} number(s)`);
  if (c.minSymbol > 0) rules.push(`At least ${c.minSymbol} symbol(s)`);
  if (c.excludeUsername) rules.push('No part of your username');
  for (const attribute of c.excludeAttributes) rules.push(`Not your ${attribute}`);
  if (c.dictionary.common.exclude) rules.push('Not a commonly used password');
  if (age.historyCount > 0) rules.push(`Not one of your last ${age.historyCount} passwords`);
  if (age.minAgeMinutes > 0) rules.push(`At most one change every ${age.minAgeMinutes} minutes`);
  return rules;
}

const REQUIREMENTS = 'Password requirements were not met. Password requirements: ';
const EXPLANATIONS: readonly [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^at least (\d+) characters$/, (m) => `The new password is too short: use at least ${m[1]} characters.`],
  [/^(\d+) lowercase letter\(s\)$/, (m) => `The new password needs at least ${m[1]} lowercase letter(s).`],
  [/^(\d+) uppercase letter\(s\)$/, (m) => `The new password needs at least ${m[1]} uppercase letter(s).`],
  [/^(\d+) number\(s\)$/, (m) => `The new password needs at least ${m[1]} number(s).`],
  [/^(\d+) symbol\(s\)$/, (m) => `The new password needs at least ${m[1]} symbol(s) such as ! or #.`],
  [/^no parts of your username$/, () => 'The new password must not contain your username.'],
  [/^does not include your (.+)$/, (m) => `The new password must not contain your ${m[1]}.`],
  [
    /^not a commonly used password$/,
    () => 'The new password is too common: choose one that is harder to guess.',
  ],
];

/**
 * Directory's refusal causes (Okta's texts) as one explanation per broken rule: a complexity refusal lists
 * its failures after "Password requirements: ", each explained on its own; other causes (history, old
 * password, minimum age) are plain sentences already.
 */
export function explainCauses(causes: readonly string[]): PageProblem[] {
  return causes.flatMap((cause): PageProblem[] => {
    if (cause === 'Old Password is not correct')
      return [{ message: 'The current password is not correct.', field: 'oldPassword' }];
    if (cause.startsWith('Password has been used too recently'))
      return [
        {
          message: 'The new password was used too recently: choose one you have not used before.',
          field: 'newPassword',
        },
      ];
    if (cause === 'Password has been changed too recently')
      return [{ message: 'The password was changed too recently to change it again yet. Try again later.' }];
    if (!cause.startsWith(REQUIREMENTS)) return [{ message: cause, field: 'newPassword' }];
    return cause
      .slice(REQUIREMENTS.length)
      .replace(/\.$/, '')
      .split(', ')
      .map((failure) => {
        for (const [pattern, explain] of EXPLANATIONS) {
          const match = failure.match(pattern);
          if (match) return { message: explain(match), field: 'newPassword' };
        }
        return { message: `The new password breaks a rule: ${failure}.`, field: 'newPassword' };
      });
  });
}

export interface ChangePasswordPageOptions extends FormBase {
  /** Why the form is shown: the password expired (or is temporary), the warning's "Change now", or by choice. */
  readonly reason: 'EXPIRED' | 'WARN' | 'SIGNED_IN';
  readonly action: string;
  readonly login: string;
  readonly rules: readonly string[];
  readonly problems?: readonly PageProblem[];
}

const CHANGE_INTRO = {
  EXPIRED: 'Your password has expired, or it is a temporary one. Choose a new password to continue.',
  WARN: 'Choose a new password before the current one expires.',
  SIGNED_IN: 'Enter your current password, then choose a new one.',
} as const;

export function changePasswordPage(options: ChangePasswordPageOptions): SafeHtml {
  const problems = options.problems ?? [];
  const oldPassword = fieldError(problems, 'oldPassword');
  const newPassword = fieldError(problems, 'newPassword', 'rules');
  const confirm = fieldError(problems, 'confirmPassword');
  const title = options.reason === 'EXPIRED' ? 'Change your expired password' : 'Change your password';
  return page(
    options.nonce,
    title,
    html`<h1>${title}</h1>
<p>${CHANGE_INTRO[options.reason]} You are signing in as <strong>${options.login}</strong>.</p>
${errorSummary(problems)}
<h2 id="rules-title">The new password needs</h2>
<ul id="rules" aria-labelledby="rules-title">${options.rules.map((rule) => html`<li>${rule}</li>`)}</ul>
<form method="post" action="${options.action}" novalidate>
<label for="oldPassword">Current password</label>
<input id="oldPassword" name="oldPassword" type="password" autocomplete="current-password" required${oldPassword.attributes}>${oldPassword.message}
<label for="newPassword">New password</label>
<input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required${newPassword.attributes}>${newPassword.message}
<label for="confirmPassword">Repeat the new password</label>
<input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required${confirm.attributes}>${confirm.message}
${
  options.reason === 'SIGNED_IN'
    ? html`<label for="revokeSessions"><input id="revokeSessions" name="revokeSessions" type="checkbox" value="true" checked> Sign me out everywhere else</label>`
    : null
}
${formTail(options)}
<p><button type="submit">Change password</button></p>
</form>`,
    problems,
  );
}

export interface WarnPageOptions extends FormBase {
  readonly days: number;
}

export function passwordWarnPage(options: WarnPageOptions): SafeHtml {
  const when = options.days === 0 ? 'today' : options.days === 1 ? 'in 1 day' : `in ${options.days} days`;
  return page(
    options.nonce,
    'Your password expires soon',
    html`<h1>Your password expires soon</h1>
<p id="warning">Your password expires ${when}. Change it now, or later before it expires.</p>
<form method="post" action="/signin/password/start">${formTail(options)}
<button type="submit">Change now</button></form>
<form method="post" action="/signin/skip">${formTail(options)}
<p><button type="submit" class="secondary">Later</button></p></form>`,
  );
}

export interface MessagePageOptions {
  readonly nonce: string;
  readonly title: string;
  readonly message: string;
  readonly links?: readonly { readonly href: string; readonly text: string }[];
}

/** A page that only says something: locked out, a lapsed temporary password, a link sent. */
export function messagePage(options: MessagePageOptions): SafeHtml {
  return page(
    options.nonce,
    options.title,
    html`<h1>${options.title}</h1>
<p id="message" role="status">${options.message}</p>
${(options.links ?? []).map((link) => html`<p><a href="${link.href}">${link.text}</a></p>`)}`,
  );
}

export interface SignedInPageOptions {
  readonly nonce: string;
  readonly formToken: string;
  readonly login: string;
  readonly notice?: string;
}

/** Where a signed-in browser lands when no allowed `fromURI` was given. */
export function signedInPage(options: SignedInPageOptions): SafeHtml {
  return page(
    options.nonce,
    'You are signed in',
    html`<h1>You are signed in</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : null}
<p id="who">Signed in as <strong>${options.login}</strong>.</p>
<p><a href="/signin/change-password">Change password</a></p>
<form method="post" action="/signin/signout">${hidden('csrfToken', options.formToken)}
<button type="submit" class="secondary">Sign out</button></form>`,
  );
}

export interface ForgotPasswordPageOptions {
  readonly nonce: string;
  readonly formToken: string;
  readonly username?: string;
  readonly problems?: readonly PageProblem[];
}

/** Forgot password: a username, and an emailed link whatever it names (the answer never says). */
export function forgotPasswordPage(options: ForgotPasswordPageOptions): SafeHtml {
  const problems = options.problems ?? [];
  const username = fieldError(problems, 'username', 'username-hint');
  return page(
    options.nonce,
    'Reset your password',
    html`<h1>Reset your password</h1>
${errorSummary(problems)}
<form method="post" action="/signin/forgot-password" novalidate>
<label for="username">Username</label>
<p id="username-hint" class="muted">We will email a link to choose a new password to the address of this account.</p>
<input id="username" name="username" type="text" autocomplete="username" required value="${options.username ?? ''}"${username.attributes}>${username.message}
${hidden('csrfToken', options.formToken)}
<p><button type="submit">Email me a link</button></p>
</form>
<p><a href="/signin">Back to sign-in</a></p>`,
    problems,
  );
}
