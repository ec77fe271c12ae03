import type { AdminTokenRevokedV1, MessageHandler } from '@lapse/shared';
import type { IntrospectionAdminTokenVerifier } from './introspection-admin-token.verifier';

/**
 * `AdminTokenRevoked`: identity stops accepting the token as soon as it consumes the fact, instead of
 * when its cached introspection answer would have expired.
 */
export function forgetAdminTokenWhenDirectoryRevokes(
  verifier: IntrospectionAdminTokenVerifier,
): MessageHandler {
  return async (message) => {
    verifier.forget((message.payload as AdminTokenRevokedV1).tokenId);
  };
}
