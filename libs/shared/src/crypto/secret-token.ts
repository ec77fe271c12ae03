import { randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
const POOL_BYTES = TOKEN_BYTES * 128;
let pool: Buffer = Buffer.alloc(0);
let offset = 0;

/**
 * A bearer secret (session token, state token, session id, reset link): 32 random bytes, base64url. The
 * bytes come from the CSPRNG 4 KiB at a time, as `crypto.randomUUID` caches its entropy: one call to the
 * kernel per 128 secrets instead of one each (a system call on the sign-in path each time). Bytes handed
 * out are zeroed, so the pool holds only secrets not yet issued.
 */
export function newSecretToken(): string {
  if (offset + TOKEN_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + TOKEN_BYTES);
  pool.fill(0, offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}

/** Rejects at once what cannot be one of our secrets (saves a database round trip, leaks nothing). */
export function looksLikeSecretToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
