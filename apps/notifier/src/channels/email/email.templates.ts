/** Email bodies, text and HTML. Values are escaped for HTML; none of them is logged. */
export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function greeting(firstName: string | null): string {
  return firstName ? `Hello ${firstName},` : 'Hello,';
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; color: #1d1d1f; max-width: 36rem; margin: 2rem auto; line-height: 1.5">
${body}
<p style="color:#6e6e73; font-size: 0.85rem">This message was sent by Lapse on behalf of your administrator. If you did not expect it, contact your administrator.</p>
</body></html>`;
}

export function formatInstant(iso: string): string {
  return new Date(iso).toUTCString();
}

/** Link mode: the email carries a one-time link, never the password. */
export function revealLinkEmail(input: {
  firstName: string | null;
  login: string | null;
  link: string;
  expiresAt: string;
}): EmailContent {
  const account = input.login ? ` for ${input.login}` : '';
  const expires = formatInstant(input.expiresAt);
  return {
    subject: 'Your temporary password',
    text: [
      greeting(input.firstName),
      '',
      `An administrator has reset your password${account}.`,
      'Open this link to see your temporary password. It can be viewed only once:',
      '',
      input.link,
      '',
      `The link and the temporary password expire at ${expires}.`,
      'When you sign in with it you will be asked to choose a new password.',
    ].join('\n'),
    html: layout(
      'Your temporary password',
      `<p>${escapeHtml(greeting(input.firstName))}</p>
<p>An administrator has reset your password${escapeHtml(account)}.</p>
<p><a href="${escapeHtml(input.link)}">Show my temporary password</a> (it can be viewed only once)</p>
<p>The link and the temporary password expire at ${escapeHtml(expires)}. When you sign in with it you will be asked to choose a new password.</p>`,
    ),
  };
}

/** Inline mode (MAIL_DELIVERY_MODE=inline): the password is in the email itself. */
export function inlinePasswordEmail(input: {
  firstName: string | null;
  login: string | null;
  password: string;
  expiresAt: string;
}): EmailContent {
  const account = input.login ? ` for ${input.login}` : '';
  const expires = formatInstant(input.expiresAt);
  return {
    subject: 'Your temporary password',
    text: [
      greeting(input.firstName),
      '',
      `An administrator has reset your password${account}.`,
      `Your temporary password is: ${input.password}`,
      '',
      `It expires at ${expires}. When you sign in with it you will be asked to choose a new password.`,
    ].join('\n'),
    html: layout(
      'Your temporary password',
      `<p>${escapeHtml(greeting(input.firstName))}</p>
<p>An administrator has reset your password${escapeHtml(account)}.</p>
<p>Your temporary password is: <code style="font-size:1.2rem">${escapeHtml(input.password)}</code></p>
<p>It expires at ${escapeHtml(expires)}. When you sign in with it you will be asked to choose a new password.</p>`,
    ),
  };
}

/**
 * A reset-password link: the user chooses a new password on the page it opens. An administrator's reset
 * stops password sign-in until then; a link the user asked for (forgot password) leaves the current password
 * working, and says what to do if they did not ask.
 */
export function resetLinkEmail(input: {
  firstName: string | null;
  login: string | null;
  link: string;
  expiresAt: string;
  selfService?: boolean;
}): EmailContent {
  const account = input.login ? ` for ${input.login}` : '';
  const expires = formatInstant(input.expiresAt);
  const why = input.selfService
    ? `Someone, probably you, asked to reset the password${account}.`
    : `An administrator has asked you to choose a new password${account}.`;
  const until = input.selfService
    ? `The link expires at ${expires}. If you did not ask, ignore this email: your password stays as it is.`
    : `The link expires at ${expires}. Until you choose a new password you cannot sign in.`;
  return {
    subject: 'Reset your password',
    text: [
      greeting(input.firstName),
      '',
      why,
      'Open this link to choose it. The link works once:',
      '',
      input.link,
      '',
      until,
    ].join('\n'),
    html: layout(
      'Reset your password',
      `<p>${escapeHtml(greeting(input.firstName))}</p>
<p>${escapeHtml(why)}</p>
<p><a href="${escapeHtml(input.link)}">Choose a new password</a> (the link works once)</p>
<p>${escapeHtml(until)}</p>`,
    ),
  };
}

/** A plain notice without any secret: the password was expired by an administrator or a bulk job. */
export function passwordExpiredNoticeEmail(input: {
  firstName: string | null;
  login: string | null;
}): EmailContent {
  const account = input.login ? ` for ${input.login}` : '';
  return {
    subject: 'Your password has expired',
    text: [
      greeting(input.firstName),
      '',
      `Your administrator has expired your password${account}.`,
      'The next time you sign in you will be asked to choose a new password.',
    ].join('\n'),
    html: layout(
      'Your password has expired',
      `<p>${escapeHtml(greeting(input.firstName))}</p>
<p>Your administrator has expired your password${escapeHtml(account)}.</p>
<p>The next time you sign in you will be asked to choose a new password.</p>`,
    ),
  };
}

/** Whole days from `now` until `expiresAt`, at least 1 (a reminder is sent before the password expires). */
export function daysUntil(expiresAt: string, now: Date): number {
  return Math.max(1, Math.ceil((Date.parse(expiresAt) - now.getTime()) / 86_400_000));
}

/**
 * A reminder before the password reaches the policy's maximum age (no secret in it), with the link to the
 * hosted sign-in page, where the user changes it.
 */
export function passwordExpiryReminderEmail(input: {
  firstName: string | null;
  login: string | null;
  expiresAt: string;
  days: number;
  changeUrl: string;
}): EmailContent {
  const account = input.login ? ` for ${input.login}` : '';
  const when = `in ${input.days} day${input.days === 1 ? '' : 's'}, on ${formatInstant(input.expiresAt)}`;
  return {
    subject: `Your password expires in ${input.days} day${input.days === 1 ? '' : 's'}`,
    text: [
      greeting(input.firstName),
      '',
      `Your password${account} expires ${when}.`,
      'Change it before then: sign in at the link below and choose a new password.',
      '',
      input.changeUrl,
      '',
      'If you do not change it, you will be asked to choose a new one the next time you sign in after it expires.',
    ].join('\n'),
    html: layout(
      'Your password expires soon',
      `<p>${escapeHtml(greeting(input.firstName))}</p>
<p>Your password${escapeHtml(account)} expires ${escapeHtml(when)}.</p>
<p><a href="${escapeHtml(input.changeUrl)}">Sign in and change your password</a></p>
<p>If you do not change it, you will be asked to choose a new one the next time you sign in after it expires.</p>`,
    ),
  };
}

/** The same reminder, spoken (voice channel); no link can be spoken, so it names where to go. */
export function passwordExpiryReminderSpeech(input: { firstName: string | null; days: number }): string {
  const hello = input.firstName ? `Hello ${input.firstName}.` : 'Hello.';
  const days = `${input.days} day${input.days === 1 ? '' : 's'}`;
  return `${hello} This is a reminder from your administrator. Your password expires in ${days}. Please sign in and change it before then.`;
}
