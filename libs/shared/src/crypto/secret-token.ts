import { randomBytes } from 'node:crypto';

/** A bearer secret (session token, state token, session id, reset link): 32 random bytes, base64url. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Rejects at once what cannot be one of our secrets (saves a database round trip, leaks nothing). */
export function looksLikeSecretToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
