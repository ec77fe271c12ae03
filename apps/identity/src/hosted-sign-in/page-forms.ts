import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { FormTokens, newFormBinding } from '@lapse/shared/http/page';
import { SERVICE_API_TOKEN } from '@lapse/shared/http/service-auth';
import type { Request, Response } from 'express';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { crossSiteProblem } from '../sessions/same-origin.guard';
import { cookieOf, secureCookies } from '../sessions/session-cookie';

/** The random pre-session cookie the sign-in forms' CSRF tokens are bound to. */
const FORM_BINDING_COOKIE = 'lapse_form';

/**
 * CSRF protection of the hosted pages' forms: a `FormTokens` token bound to the pre-session cookie (sign-in,
 * forgot password) or to the session (signed-in pages), and the Origin check of `SameOriginGuard`. The HMAC
 * key is derived from the service credential, so every identity instance verifies what another issued and
 * the key itself never leaves the process.
 */
@Injectable()
export class PageForms {
  private readonly tokens: FormTokens;
  private readonly publicOrigin: string;

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(SERVICE_API_TOKEN) serviceToken: string,
  ) {
    this.tokens = new FormTokens(
      createHmac('sha256', serviceToken).update('lapse page form tokens').digest(),
    );
    this.publicOrigin = new URL(config.base.publicUrl).origin;
  }

  /** The pre-session binding: the browser's cookie, or a new one set on this response. */
  preSessionBinding(request: Request, response: Response): string {
    const current = cookieOf(request, FORM_BINDING_COOKIE);
    if (current && /^[A-Za-z0-9_-]{24}$/.test(current)) return `pre:${current}`;
    const binding = newFormBinding();
    response.cookie(FORM_BINDING_COOKIE, binding, {
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(this.config),
      path: '/signin',
    });
    return `pre:${binding}`;
  }

  /** The binding of a signed-in page's form: the session itself. */
  sessionBinding(sessionId: string): string {
    return `session:${sessionId}`;
  }

  issue(binding: string): string {
    return this.tokens.issue(binding);
  }

  /**
   * True when the post comes from this site and carries a token for this browser's binding. The pages are
   * sent with `Referrer-Policy: no-referrer`, under which a browser posts a form with `Origin: null`; then
   * `Sec-Fetch-Site` must say `same-origin`.
   */
  accepts(request: Request, binding: string, token: unknown): boolean {
    const fromThisSite =
      request.headers.origin === 'null'
        ? request.headers['sec-fetch-site'] === 'same-origin'
        : crossSiteProblem(request, this.publicOrigin) === null;
    return fromThisSite && this.tokens.verify(binding, token);
  }
}
