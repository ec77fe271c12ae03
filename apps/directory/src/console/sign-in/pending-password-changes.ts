import { createHash } from 'node:crypto';
import { looksLikeSecretToken } from '@lapse/shared';
import type { Request, Response } from 'express';
import { cookieOf } from '../console-gate';

/** The state token of a forced password change: an HttpOnly cookie sent only to the change form. */
export const PENDING_CHANGE_COOKIE = 'lapse_console_change';
export const PENDING_CHANGE_PATH = '/admin/change-password';

/**
 * The pending forced change of an administrator's expired password, between the sign-in form and the
 * change-password form, as identity's hosted sign-in keeps its own (`lapse_signin_state`): identity's state
 * token travels in an HttpOnly, SameSite=Strict cookie limited to the change form's path (Secure on https),
 * so any directory instance behind the gateway can take the change; nothing is kept in a process or in the
 * database, and the token never reaches a page, a URL or a log. The change form's CSRF token is bound to
 * the state token (`binding`): a form shown for one sign-in does not post for another. Identity itself
 * decides whether the token is still good (it answers 401 once the transaction ended).
 */
export class PendingPasswordChanges {
  constructor(
    private readonly secure: boolean,
    private readonly lifetimeMs = 5 * 60_000,
  ) {}

  /** Sets the cookie, for no longer than identity's transaction lives (`expiresAt`) nor `lifetimeMs`. */
  keep(response: Response, stateToken: string, expiresAt: Date | null, now: Date): void {
    const left = expiresAt ? expiresAt.getTime() - now.getTime() : this.lifetimeMs;
    response.cookie(PENDING_CHANGE_COOKIE, stateToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: PENDING_CHANGE_PATH,
      maxAge: Math.max(1_000, Math.min(left, this.lifetimeMs)),
    });
  }

  /** The state token the browser sent, when it can be one of identity's secrets; else null. */
  stateTokenOf(request: Request): string | null {
    const stateToken = cookieOf(request, PENDING_CHANGE_COOKIE);
    return stateToken && looksLikeSecretToken(stateToken) ? stateToken : null;
  }

  drop(response: Response): void {
    response.clearCookie(PENDING_CHANGE_COOKIE, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: PENDING_CHANGE_PATH,
    });
  }

  /** What the change form's CSRF token is bound to: a digest of the state token (never the token itself). */
  static binding(stateToken: string): string {
    return `change:${createHash('sha256').update(stateToken, 'utf8').digest('base64url')}`;
  }
}
