import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../logging/logger';
import { ADMIN_TOKEN_VERIFIER, type AdminRole, type AdminTokenVerifier, adminTokenOf } from './admin-auth';
import { OktaExceptionFilter } from './okta-exception.filter';
import { refuseUnstorableInput } from './storable-input';
import { traceRequests } from './trace-requests';
import { tracingEnabled } from '../tracing/tracing';
import { oktaValidationPipe } from './validation';

export const MAX_BODY_BYTES = '64kb';

/**
 * The few routes whose JSON bodies may be larger than MAX_BODY_BYTES, with their own limit (deploy/nginx.conf
 * has the same exceptions). A bulk expiry's `userIds`: up to 100,000 ids, about 3.9 MB as compact JSON. A
 * users import: up to 1,000 users (its request's maximum), each at most about 5.1 kB as compact JSON (a profile
 * at its longest, a 512-character hash, a provider name, 100 group ids); a user with a hash and no groups is
 * about 350 bytes, so 64 kB held only about 180 of them a request; importing 1,000 a request is about 1.4 times as
 * fast (docs/performance.md, "Import").
 */
export const LARGE_BODY_ROUTES: Readonly<Record<string, LargeBodyRoute>> = {
  '/api/v1/users/lifecycle/expire_passwords': { limit: '4.5mb', roles: ['SUPER_ADMIN'] },
  '/api/v1/users/import': { limit: '5.5mb', roles: ['SUPER_ADMIN', 'USER_ADMIN'] },
};

/** A large route's body limit, and the admin roles its `@RequireRole` allows (a spec checks they agree). */
export interface LargeBodyRoute {
  readonly limit: string;
  readonly roles: readonly AdminRole[];
}

/**
 * A large route's parser, only for a request whose admin token is valid and of a role the route allows: bodies
 * are parsed before Nest's guards run, so otherwise anyone, any wrong token, or a read-only admin the guard
 * will refuse could make the process read megabytes of JSON per request. Any other request goes to the general
 * 64 kB parser (413 beyond it, else the guard's 401 or 403). The token is looked up once more by the guard;
 * these are a few bulk admin requests. An app without a verifier (none of Lapse's: directory checks its
 * tokens, identity asks directory) would check the credential's shape only.
 */
function largeBody({ limit, roles }: LargeBodyRoute, verifier: () => AdminTokenVerifier | null) {
  const parse = json({ limit });
  return (request: Request, response: Response, next: NextFunction): void => {
    const token = adminTokenOf(request.headers.authorization);
    const verify = verifier();
    if (token === undefined) next();
    else if (!verify) parse(request, response, next);
    else
      verify.verify(token).then(
        (principal) =>
          principal && roles.includes(principal.role) ? parse(request, response, next) : next(),
        () => next(),
      );
  };
}

/** The app's admin token verifier, if one of its modules provides it. */
function adminTokenVerifier(app: INestApplication): () => AdminTokenVerifier | null {
  let found: AdminTokenVerifier | null | undefined;
  return () => {
    if (found === undefined) {
      try {
        found = app.get<symbol, AdminTokenVerifier>(ADMIN_TOKEN_VERIFIER, { strict: false });
      } catch {
        found = null;
      }
    }
    return found;
  };
}

export interface HttpOptions {
  /** `TRUST_PROXY`: proxies allowed to name the client in `X-Forwarded-For`; empty trusts none. */
  readonly trustProxy?: readonly string[];
}

/**
 * Headers every answer carries: `X-Content-Type-Options: nosniff`, and on the APIs (`/api/`, `/internal/`,
 * where sessionTokens, stateTokens, session ids, temporary passwords, API tokens and reset links travel)
 * `Cache-Control: no-store` unless the route sets its own (a route's `@Header` or `setHeader` comes later and
 * wins). Written here rather than with helmet: these two are all Lapse needs on every answer, and helmet's
 * defaults (a CSP among them) would have to be turned off route by route for the reset-password page, which
 * sends its own nonce-based CSP.
 */
function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (request.path.startsWith('/api/') || request.path.startsWith('/internal/'))
    response.setHeader('Cache-Control', 'no-store');
  next();
}

/** HTTP settings shared by every Lapse process: body limits, validation, Okta errors, security headers. */
export function configureHttp(app: INestApplication, logger: Logger, options: HttpOptions = {}): void {
  const express = app as NestExpressApplication;
  if (tracingEnabled()) express.use(traceRequests);
  express.use(securityHeaders);
  // A route's own parser first: the general one below leaves a parsed body alone.
  const verifier = adminTokenVerifier(app);
  for (const [path, route] of Object.entries(LARGE_BODY_ROUTES))
    express.use(path, largeBody(route, verifier));
  express.useBodyParser('json', { limit: MAX_BODY_BYTES });
  express.useBodyParser('urlencoded', { limit: MAX_BODY_BYTES, extended: false });
  // Text PostgreSQL cannot store and bodies nested too deep are refused before any route, pipe or handler
  // (after the parsers, so bodies are checked as parsed).
  express.use(refuseUnstorableInput);
  express.disable('x-powered-by');
  // API answers are not cached by validators: no SHA-1 of every body for an ETag nobody sends back.
  express.set('etag', false);
  // The client address (rate limits, the System Log) comes from X-Forwarded-For only through proxies named in
  // TRUST_PROXY; by default none is trusted, so a client cannot choose the address it is counted under.
  const trusted = options.trustProxy ?? [];
  express.set('trust proxy', trusted.length > 0 ? [...trusted] : false);
  app.useGlobalPipes(oktaValidationPipe());
  app.useGlobalFilters(new OktaExceptionFilter(logger));
}
