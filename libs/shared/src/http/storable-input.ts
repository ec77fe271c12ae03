import type { NextFunction, Request, Response } from 'express';
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

/** The request as this check reads it (Express's, after body parsing). */
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

/**
 * `checkStorableInput` on every HTTP request, as Express middleware once the body is parsed (configure-app.ts
 * registers it after the body parsers) and before Nest routes the request: the refusal goes to `next`, and so
 * to the Okta exception filter like a body parser's.
 *
 * Path parameters are not known before routing, so every segment of the path is checked as the router would
 * decode it: a segment that is not a parameter cannot match any route, so it is a 404 either way. A segment
 * that does not decode is left to the router (its 400), as before.
 *
 * Until 2026-12-08 this was a global Nest interceptor, after the guards. An interceptor puts every request of
 * every route through Nest's interceptor machinery (RxJS observables, two `AsyncResource`s, the answer
 * awaited through `lastValueFrom`): without it the all-in-one process answered about 11 % more sign-ins a
 * second with a cheap hash and the sign-in gate's own median time fell by a quarter, in five alternated pairs
 * (docs/performance.md, "The storable-input check as middleware"). The one difference: the check now comes before the credentials, so a request that carries
 * both unstorable text and no valid credentials is answered 400 or 404 rather than 401 or 403. The refusal
 * depends only on the request's own text, so it tells the caller nothing about credentials, and the bodies
 * are the ones already parsed before the guards (64 kB; the large-body routes only for admins).
 */
export function refuseUnstorableInput(request: Request, _response: Response, next: NextFunction): void {
  try {
    checkStorableInput({
      params: encodedPathSegments(request.path),
      query: request.url.includes('?') ? request.query : undefined,
      body: request.body,
    });
  } catch (error) {
    next(error);
    return;
  }
  next();
}

/** The path's percent-encoded segments, decoded; the others hold no NUL or lone surrogate. */
function encodedPathSegments(path: string): string[] {
  const decoded: string[] = [];
  if (!path.includes('%')) return decoded;
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    try {
      decoded.push(decodeURIComponent(segment));
    } catch {
      // Not decodable: the router refuses it (400) if a route would read it.
    }
  }
  return decoded;
}
