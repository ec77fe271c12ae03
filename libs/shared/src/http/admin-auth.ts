import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { OktaHttpError } from './okta-exception.filter';

export type AdminRole = 'SUPER_ADMIN' | 'USER_ADMIN' | 'READ_ONLY_ADMIN';

export interface AdminPrincipal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: AdminRole;
}

/** Checks an admin API token; implemented by directory over its database, by others via introspection. */
export interface AdminTokenVerifier {
  verify(token: string): Promise<AdminPrincipal | null>;
}

export const ADMIN_TOKEN_VERIFIER = Symbol('ADMIN_TOKEN_VERIFIER');

/** The token of `Authorization: SSWS <token>`, or undefined when the header is missing or of another kind. */
export function adminTokenOf(authorization: string | undefined): string | undefined {
  return /^SSWS\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}
export const ADMIN_RATE_LIMIT = Symbol('ADMIN_RATE_LIMIT');
const ROLES_KEY = 'lapse:admin-roles';

/** Requests per minute per token (Okta-style fixed window). */
export interface AdminRateLimit {
  readonly perMinute: number;
}

/** Roles allowed on a route; without it, any valid admin token passes. */
export const RequireRole = (...roles: AdminRole[]) => SetMetadata(ROLES_KEY, roles);

/** The roles a handler's `@RequireRole` allows, or undefined without one. */
export function requiredRoles(handler: object): readonly AdminRole[] | undefined {
  return Reflect.getMetadata(ROLES_KEY, handler);
}

export const CurrentAdmin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminPrincipal => {
    return (context.switchToHttp().getRequest<Request>() as Request & { admin: AdminPrincipal }).admin;
  },
);

interface Window {
  start: number;
  count: number;
}

/**
 * `Authorization: SSWS <token>`: missing or invalid → 401 E0000011; a valid token without the route's role →
 * 403 E0000006; more than the per-token limit in a minute → 429 E0000047 with X-Rate-Limit-* headers, which
 * are also sent on every admitted request.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly windows = new Map<string, Window>();

  constructor(
    @Inject(ADMIN_TOKEN_VERIFIER) private readonly verifier: AdminTokenVerifier,
    @Inject(ADMIN_RATE_LIMIT) private readonly rateLimit: AdminRateLimit,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { admin?: AdminPrincipal }>();
    const response = context.switchToHttp().getResponse<Response>();
    const token = adminTokenOf(request.headers.authorization);
    if (token === undefined) throw new OktaHttpError('E0000011');
    const principal = await this.verifier.verify(token);
    if (!principal) throw new OktaHttpError('E0000011');
    this.countRequest(principal.tokenId, response);
    const roles = this.reflector.getAllAndOverride<AdminRole[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles && !roles.includes(principal.role)) throw new OktaHttpError('E0000006');
    request.admin = principal;
    return true;
  }

  private countRequest(tokenId: string, response: Response): void {
    const limit = this.rateLimit.perMinute;
    const now = Date.now();
    const windowStart = now - (now % 60_000);
    const window = this.windows.get(tokenId);
    const current = window && window.start === windowStart ? window : { start: windowStart, count: 0 };
    current.count++;
    this.windows.set(tokenId, current);
    const headers = {
      'X-Rate-Limit-Limit': String(limit),
      'X-Rate-Limit-Remaining': String(Math.max(0, limit - current.count)),
      'X-Rate-Limit-Reset': String(Math.ceil((windowStart + 60_000) / 1000)),
    };
    if (current.count > limit) throw new OktaHttpError('E0000047', [], headers);
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  }
}
