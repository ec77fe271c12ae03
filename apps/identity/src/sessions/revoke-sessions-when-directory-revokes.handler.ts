import type { MessageHandler, SessionsRevokedV1 } from '@lapse/shared';
import { endUserSessions } from './session.repository';

/**
 * `SessionsRevoked` (e.g. expire with a temporary password and `revokeSessions=true`): ends the user's
 * sessions, unspent session tokens and open sign-in transactions created up to the revocation.
 */
export const revokeSessionsWhenDirectoryRevokes: MessageHandler = async (message, tx) => {
  const fact = message.payload as SessionsRevokedV1;
  await endUserSessions(
    tx,
    fact.userId,
    new Date(fact.revokedAt),
    new Date(),
    `REVOKED: ${fact.reason ?? 'directory'}`.slice(0, 200),
  );
};
