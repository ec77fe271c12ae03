import type { CookieOptions, Request, Response } from 'express';
import type { IdentityConfig } from '../identity.config';

/** The browser's session: identity's `sid` cookie, as `POST /api/v1/sessions` and the hosted sign-in set it. */
export const SESSION_COOKIE = 'sid';

/** A cookie's value from the request's `Cookie` header (no parser middleware: identity reads a handful). */
export function cookieOf(request: Request, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/** `Secure` whenever the site is served over https; `SESSION_COOKIE_SECURE=true` forces it otherwise. */
export function secureCookies(config: IdentityConfig): boolean {
  return config.sessionCookieSecure || config.base.publicUrl.startsWith('https:');
}

function sessionCookieOptions(config: IdentityConfig): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: secureCookies(config), path: '/' };
}

/** Sets `sid`; it need not outlive the session's maximum lifetime (the idle expiry moves with every use). */
export function setSessionCookie(
  response: Response,
  config: IdentityConfig,
  sessionId: string,
  latestEnd: Date,
): void {
  response.cookie(SESSION_COOKIE, sessionId, { ...sessionCookieOptions(config), expires: latestEnd });
}

export function clearSessionCookie(response: Response, config: IdentityConfig): void {
  response.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
}
