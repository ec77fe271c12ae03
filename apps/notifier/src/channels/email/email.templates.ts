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
