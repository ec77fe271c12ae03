import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { OktaHttpError } from '@lapse/shared';
import type { Request } from 'express';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';

/**
 * Refuses a cross-site request to a route that sets or reads the session cookie (login CSRF: a foreign page
 * posting a form to `POST /api/v1/sessions` would sign the browser in as someone else; reading or ending
 * `sessions/me` belongs to the site's own pages). The browser says where the request comes from: `Origin`
 * must be `PUBLIC_URL`'s origin; without `Origin`, `Sec-Fetch-Site: cross-site` is refused. A request with
 * neither (a server, the Okta SDK, curl) is not a browser's and passes. `403 E0000006`.
 */
export function crossSiteProblem(request: Request, publicOrigin: string): string | null {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === publicOrigin ? null : 'Origin is not this site';
  return request.headers['sec-fetch-site'] === 'cross-site' ? 'the request is cross-site' : null;
}

@Injectable()
export class SameOriginGuard implements CanActivate {
  private readonly publicOrigin: string;

  constructor(@Inject(IDENTITY_CONFIG) config: IdentityConfig) {
    this.publicOrigin = new URL(config.base.publicUrl).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    const problem = crossSiteProblem(context.switchToHttp().getRequest<Request>(), this.publicOrigin);
    if (problem)
      throw new OktaHttpError('E0000006', [
        `${problem}: the session cookie is used by this site's pages only`,
      ]);
    return true;
  }
}
