import { randomUUID } from 'node:crypto';
import type { AdminPrincipal } from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import type { AuditActor } from '../audit/audit-log';

/** Who is calling and in which flow: becomes event metadata and the audit record's actor. */
export interface Caller {
  /** Event metadata actor: `admin:<tokenId>`, `service:<name>`, `user:<id>` or `system`. */
  readonly actor: string;
  readonly audit: AuditActor;
  readonly correlationId: string;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's correlation id (`X-Correlation-Id` / `X-Request-Id`) when well-formed, else a new one. */
export function correlationIdOf(request: Request): string {
  const header = request.headers['x-correlation-id'] ?? request.headers['x-request-id'];
  const value = Array.isArray(header) ? header[0] : header;
  return value && CORRELATION_ID.test(value) ? value : randomUUID();
}

export function adminCaller(admin: AdminPrincipal, request: Request): Caller {
  return {
    actor: `admin:${admin.tokenId}`,
    audit: { id: admin.tokenId, type: 'AdminToken', displayName: admin.name },
    correlationId: correlationIdOf(request),
  };
}

export function serviceCaller(request: Request, name = 'identity'): Caller {
  return {
    actor: `service:${name}`,
    audit: { id: name, type: 'Service', displayName: name },
    correlationId: correlationIdOf(request),
  };
}

export function systemCaller(correlationId: string = randomUUID()): Caller {
  return { actor: 'system', audit: { id: 'system', type: 'System', displayName: 'Lapse' }, correlationId };
}
