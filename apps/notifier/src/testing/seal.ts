import { CompactEncrypt, importJWK, type JWK } from 'jose';
import type { PublicEncryptionJwk } from '../keys/key-ring';

/** Seals a temporary password the way directory does (JWE ECDH-ES+A256KW / A256GCM, kid in the header). */
export async function sealForNotifier(
  publicJwk: PublicEncryptionJwk | JWK,
  contents: { tempPassword: string; userId: string; deliveryId: string; expiresAt: string },
): Promise<string> {
  const key = await importJWK(publicJwk as JWK, 'ECDH-ES+A256KW');
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(contents)))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: publicJwk.kid })
    .encrypt(key);
}
