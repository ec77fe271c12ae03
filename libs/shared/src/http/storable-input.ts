import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { DomainError, NotFoundError, ValidationFailedError } from '../errors';
import { OKTA_ERRORS } from './okta-error';

/**
 * Deepest nesting of objects and arrays a request body may have. Lapse's deepest body is three levels
 * (`credentials.password.hash`); class-transformer and class-validator recurse once per level, so a body
 * nested thousands deep would exhaust the stack before validation could refuse it.
 */
export const MAX_BODY_DEPTH = 32;

/** A NUL (PostgreSQL refuses it in `text` and `jsonb`) or a lone surrogate (not encodable as UTF-8). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL is exactly what this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/**
 * Why PostgreSQL could not store `value` as text (or a string inside `jsonb`), or null when it can.
 * With the `u` flag a well-formed surrogate pair is one code point, so `\p{Cs}` matches only a lone
 * surrogate (what `String.prototype.isWellFormed` checks, which ES2022's typings lack).
 */
export function unstorableText(value: string): string | null {
  if (!UNSTORABLE.test(value)) return null;
  return value.includes('\u0000')
    ? 'must not contain a NUL character'
    : 'must be well-formed Unicode text (no unpaired surrogate)';
}

/** The request as this check reads it (Express's, after routing and body parsing). */
export interface ParsedRequest {
  readonly params?: unknown;
  readonly query?: unknown;
  readonly body?: unknown;
}

class BodyTooDeepError extends DomainError {
  constructor() {
    super('E0000003', OKTA_ERRORS.E0000003.summary, [`body: nested more than ${MAX_BODY_DEPTH} levels deep`]);
  }
}

/**
 * Refuses a request whose path, query or body holds text PostgreSQL cannot store, or whose body nests
 * deeper than `MAX_BODY_DEPTH`: a path parameter names nothing that can exist (404 E0000007); a query or
 * body field is refused by name (400 E0000001, keys of objects too); a body too deep is 400 E0000003.
 * JSON and form-encoded bodies alike, on every route, before any pipe or handler sees them. Iterative, so
 * the walk itself cannot overflow the stack.
 */
export function checkStorableInput(request: ParsedRequest): void {
  for (const value of Object.values((request.params ?? {}) as Record<string, unknown>)) {
    const parts = Array.isArray(value) ? value : [value];
    if (parts.some((part) => typeof part === 'string' && unstorableText(part) !== null))
      throw new NotFoundError();
  }
  const causes = [...unstorableFields(request.query, ''), ...unstorableFields(request.body, '')];
  if (causes.length > 0) throw new ValidationFailedError(causes);
}

function unstorableFields(root: unknown, rootPath: string): string[] {
  const causes: string[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value: root, path: rootPath, depth: 0 },
  ];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop() as (typeof pending)[number];
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) causes.push(`${path || 'body'}: ${problem}`);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) throw new BodyTooDeepError();
    for (const [key, child] of Object.entries(value)) {
      const keyProblem = unstorableText(key);
      // The key itself is never echoed: it is the unstorable part.
      if (keyProblem) causes.push(`${path || 'body'}: a field name ${keyProblem}`);
      else pending.push({ value: child, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
  }
  return causes.sort();
}

/** `checkStorableInput` on every HTTP request, after the guards (so credentials are checked first). */
@Injectable()
export class StorableInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') checkStorableInput(context.switchToHttp().getRequest<ParsedRequest>());
    return next.handle();
  }
}
