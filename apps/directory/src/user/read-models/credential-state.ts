import type { CredentialStateChangedV1 } from '@lapse/shared/contracts/directory.v1';
import type { CredentialSnapshot } from '../domain/user.events';

/** The published CredentialStateChanged payload; `credentialVersion` is the snapshot event's stream version. */
export function credentialStateChanged(
  snapshot: CredentialSnapshot,
  version: number,
): CredentialStateChangedV1 {
  return {
    userId: snapshot.userId,
    login: snapshot.login,
    provider: snapshot.provider,
    status: snapshot.status,
    credentialVersion: version,
    passwordHash: snapshot.passwordHash,
    passwordChangedAt: snapshot.passwordChangedAt,
    passwordExpired: snapshot.passwordExpired,
    oneTimePassword: snapshot.oneTimePassword,
    changedAt: snapshot.changedAt,
  };
}
