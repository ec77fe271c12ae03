import { createHash } from 'node:crypto';

export { looksLikeSecretToken, newSecretToken } from '@lapse/shared';

/**
 * What is stored and looked up instead of the secret. Lookups compare digests by index, so response time
 * says nothing about the secret itself.
 */
export function digestOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
