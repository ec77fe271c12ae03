import { createHash } from 'node:crypto';
import { looksLikeSecretToken, newSecretToken } from './secret-token';

/**
 * The secret in a reset-password link (`$PUBLIC_URL/reset_password/<token>`): 32 random bytes, base64url.
 * Directory keeps only its SHA-256 (hex) in the user stream; identity sends that digest, never the token,
 * when it asks directory about a link. Both sides hash the same way, so the helper lives here.
 */
export function newRecoveryToken(): string {
  return newSecretToken();
}

export function recoveryTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What can be a recovery token at all (anything else is refused without a lookup). */
export function looksLikeRecoveryToken(value: string): boolean {
  return looksLikeSecretToken(value);
}

/** A digest as identity sends it to directory. */
export function looksLikeRecoveryTokenHash(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
