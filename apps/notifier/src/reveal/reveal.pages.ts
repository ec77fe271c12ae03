import { escapeHtml, formatInstant } from '../channels/email/email.templates';
import type { RevealOutcome } from './reveal-temporary-password';

export interface Page {
  readonly status: number;
  readonly html: string;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;color:#1d1d1f;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
.secret{font:1.6rem ui-monospace,monospace;background:#f5f5f7;padding:1rem;border-radius:.5rem;word-break:break-all;user-select:all}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:0;background:#0a66c2;color:#fff;cursor:pointer}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

const REFUSALS: Record<
  Exclude<RevealOutcome, { kind: 'ready' | 'revealed' }>['refusal'],
  { status: number; title: string; text: string }
> = {
  ALREADY_REVEALED: {
    status: 410,
    title: 'This password has already been viewed',
    text: 'A temporary password can be viewed only once, and this one has been. If it was not you who viewed it, or you no longer have it, ask your administrator for a new one.',
  },
  EXPIRED: {
    status: 410,
    title: 'This link has expired',
    text: 'The temporary password behind this link has expired. Ask your administrator for a new one.',
  },
  UNKNOWN: {
    status: 404,
    title: 'This link is not valid',
    text: 'The link is incomplete, has expired, or was replaced by a newer one. Check that you copied the whole link, or ask your administrator for a new temporary password.',
  },
  NOT_SENT: {
    status: 409,
    title: 'Your temporary password is not ready yet',
    text: 'The email with this link is still being recorded as sent. Try again in a minute. If it still does not open, ask your administrator for a new temporary password.',
  },
  NOT_A_LINK: {
    status: 404,
    title: 'This link is not valid',
    text: 'Ask your administrator for a new temporary password.',
  },
  UNREADABLE: {
    status: 500,
    title: 'The password cannot be shown',
    text: 'The temporary password could not be opened. Nothing was revealed. Ask your administrator for a new one.',
  },
};

export function revealPage(outcome: RevealOutcome): Page {
  switch (outcome.kind) {
    case 'ready':
      return {
        status: 200,
        html: page(
          'Your temporary password',
          `<p>Your administrator has set a temporary password for you. It can be shown <strong>only once</strong>: have somewhere safe to type it before you continue.</p>
<form method="post"><button type="submit">Show my temporary password</button></form>
<p>The link expires at ${escapeHtml(formatInstant(outcome.expiresAt))}.</p>`,
        ),
      };
    case 'revealed':
      return {
        status: 200,
        html: page(
          'Your temporary password',
          `<p class="secret">${escapeHtml(outcome.password)}</p>
<p>This page will not show it again. Sign in with it before ${escapeHtml(formatInstant(outcome.expiresAt))}; you will then choose a new password.</p>`,
        ),
      };
    case 'refused': {
      const refusal = REFUSALS[outcome.refusal];
      return { status: refusal.status, html: page(refusal.title, `<p>${escapeHtml(refusal.text)}</p>`) };
    }
  }
}
