import { createHash, randomBytes } from 'node:crypto';

/** A bearer secret (session token, state token, session id): 32 random bytes, base64url. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * What is stored and looked up instead of the secret. Lookups compare digests by index, so response time
 * says nothing about the secret itself.
 */
export function digestOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Rejects at once what cannot be one of our tokens (saves a database round trip, leaks nothing). */
export function looksLikeSecretToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
