import { html, pageNonce, type SafeHtml, sendPage } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import { type ConsoleGate, cookieOf, superAdminOnlyReason } from './console-gate';
import { CONSOLE_COOKIE, type ConsoleAdmin } from './console-session.store';
import { consolePage, type Section } from './console.pages';

/** Sends a page of the signed-in console, with a fresh nonce and the session's form token. */
export function sendConsolePage(
  response: Response,
  gate: ConsoleGate,
  admin: ConsoleAdmin,
  page: { title: string; section: Section; main: SafeHtml; script?: SafeHtml },
  status = 200,
): void {
  const nonce = pageNonce();
  sendPage(
    response,
    nonce,
    consolePage({ ...page, nonce, admin, csrf: gate.formToken(admin.sessionId) }),
    status,
  );
}

/** The section's page telling an administrator who is not a super administrator that only one may `action` (403). */
export function sendSuperAdminOnly(
  response: Response,
  gate: ConsoleGate,
  admin: ConsoleAdmin,
  page: { title: string; section: Section; action: string; after?: SafeHtml },
): void {
  sendConsolePage(
    response,
    gate,
    admin,
    {
      title: page.title,
      section: page.section,
      main: html`<h1>${page.title}</h1><p role="alert">${superAdminOnlyReason(admin, page.action)}</p>${page.after}`,
    },
    403,
  );
}

/** No session (never signed in, idle too long, or ended): back to the sign-in page, saying so if it ended. */
export function signInAgain(request: Request, response: Response): void {
  response.redirect(303, cookieOf(request, CONSOLE_COOKIE) ? '/admin/signin?ended=idle' : '/admin/signin');
}
