import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { OktaHttpError } from './okta-exception.filter';
import { activeTraceparent } from '../tracing/tracing';

export const SERVICE_API_TOKEN = Symbol('SERVICE_API_TOKEN');

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Service-to-service credential for `/internal/v1/...` routes: `Authorization: Bearer <SERVICE_API_TOKEN>`.
 * It is not an admin token and admin tokens do not open these routes.
 */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  constructor(@Inject(SERVICE_API_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match || !secretsEqual(match[1], this.token)) throw new OktaHttpError('E0000011');
    return true;
  }
}

export interface InternalResponse<T> {
  readonly status: number;
  readonly body: T;
}

/** Calls another Lapse service's internal API with the service credential. Throws on network failure. */
export async function internalFetch<T = unknown>(
  baseUrl: string,
  serviceToken: string,
  path: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<InternalResponse<T>> {
  // While tracing is on, the called service continues the caller's trace.
  const traceparent = activeTraceparent();
  const response = await fetch(new URL(path, baseUrl), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${serviceToken}`,
      'content-type': 'application/json',
      accept: 'application/json',
      ...(traceparent ? { traceparent } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
