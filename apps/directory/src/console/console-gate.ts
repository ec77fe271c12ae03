import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import { FormTokens, newFormBinding } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import type { Caller } from '../common/caller';
import { correlationIdOf } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import type { AdminRoleType } from '../user/domain/user.state';
import { CONSOLE_COOKIE, type ConsoleAdmin, ConsoleSessionStore } from './console-session.store';

/** The pre-session cookie that binds the sign-in and setup forms' CSRF tokens. */
const PRE_SESSION_COOKIE = 'lapse_console_pre';
const COOKIE_PATH = '/admin';

export function cookieOf(request: Request, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

/** A text field of a posted form (urlencoded), at most `max` characters; '' when absent. */
export function formField(request: Request, name: string, max = 1000): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const value = body[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** The System Log's actor for a console action: the signed-in administrator, as Okta logs a person. */
export function consoleCaller(admin: ConsoleAdmin, request: Request): Caller {
  return {
    actor: `user:${admin.userId}`,
    audit: { id: admin.userId, type: 'User', displayName: admin.login },
    correlationId: correlationIdOf(request),
  };
}

export const ROLE_NAMES: Readonly<Record<AdminRoleType, string>> = {
  SUPER_ADMIN: 'Super administrator',
  USER_ADMIN: 'User administrator',
  READ_ONLY_ADMIN: 'Read-only administrator',
};

/** Who may do what in the console: the same split as the API's `@RequireRole`. */
export const canManageUsers = (admin: ConsoleAdmin) =>
  admin.role === 'SUPER_ADMIN' || admin.role === 'USER_ADMIN';
export const canManageOrg = (admin: ConsoleAdmin) => admin.role === 'SUPER_ADMIN';

/** Why `admin` may not `action` (e.g. "change the policy"), which only a super administrator may; null if they may. */
export function superAdminOnlyReason(admin: ConsoleAdmin, action: string): string | null {
  return canManageOrg(admin)
    ? null
    : `Only a super administrator can ${action} (you are a ${ROLE_NAMES[admin.role].toLowerCase()}).`;
}

/**
 * Sessions, cookies and CSRF for the console. Form tokens are bound to the session id (signed in) or to a
 * random pre-session cookie (sign-in, setup); their key is derived from the service token so every
 * directory instance verifies them. Every POST also passes the Origin check.
 */
@Injectable()
export class ConsoleGate {
  readonly sessions: ConsoleSessionStore;
  private readonly forms: FormTokens;
  private readonly secure: boolean;
  private readonly origin: string;

  constructor(
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) pool: Pool,
  ) {
    this.sessions = new ConsoleSessionStore(
      pool,
      config.consoleIdleMinutes,
      config.consoleMaxLifetimeMinutes,
    );
    const key = createHmac('sha256', config.base.serviceApiToken ?? config.adminApiToken ?? '')
      .update('lapse admin console form tokens')
      .digest();
    this.forms = new FormTokens(key);
    this.secure = config.base.publicUrl.startsWith('https:');
    this.origin = new URL(config.base.publicUrl).origin;
  }

  now(): Date {
    return this.clock.now();
  }

  /** The signed-in administrator, or null (the caller redirects to sign-in). */
  async admin(request: Request): Promise<ConsoleAdmin | null> {
    return this.sessions.resume(cookieOf(request, CONSOLE_COOKIE), this.clock.now());
  }

  async startSession(response: Response, userId: string): Promise<void> {
    const sessionId = await this.sessions.start(userId, this.clock.now());
    response.cookie(CONSOLE_COOKIE, sessionId, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: COOKIE_PATH,
      maxAge: this.config.consoleMaxLifetimeMinutes * 60_000,
    });
    response.clearCookie(PRE_SESSION_COOKIE, { path: COOKIE_PATH });
  }

  async endSession(request: Request, response: Response): Promise<void> {
    const sessionId = cookieOf(request, CONSOLE_COOKIE);
    if (sessionId) await this.sessions.end(sessionId);
    response.clearCookie(CONSOLE_COOKIE, { path: COOKIE_PATH });
  }

  /** The pre-session binding (set when absent) for forms shown before sign-in. */
  preSession(request: Request, response: Response): string {
    const existing = cookieOf(request, PRE_SESSION_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{16,64}$/.test(existing)) return existing;
    const binding = newFormBinding();
    response.cookie(PRE_SESSION_COOKIE, binding, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: COOKIE_PATH,
    });
    return binding;
  }

  formToken(binding: string): string {
    return this.forms.issue(binding);
  }

  /** A problem with a posted form (cross-site, or a missing / foreign CSRF token), or null when it is good. */
  formProblem(request: Request, binding: string | null): string | null {
    // The pages send no referrer, so Chromium posts their forms with `Origin: null`; then the browser's
    // `Sec-Fetch-Site` says whether the form came from this site.
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    if (origin !== undefined && origin !== 'null' && origin !== this.origin)
      return 'The form was posted from another site.';
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return 'The form was posted from another site.';
    if (origin === 'null' && site === undefined) return 'The form was posted from another site.';
    if (!binding || !this.forms.verify(binding, formField(request, 'csrf', 200)))
      return 'The form has expired. Load the page again and retry.';
    return null;
  }

  preSessionBinding(request: Request): string | null {
    return cookieOf(request, PRE_SESSION_COOKIE);
  }
}
