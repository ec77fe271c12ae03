import type { CredentialStateChangedV1 } from '@lapse/shared/contracts/directory.v1';
import { credentialStateAfterBulkExpiry } from '../domain/user.decider';
import type { CredentialSnapshot, PasswordExpired } from '../domain/user.events';

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
    ...(snapshot.passwordAgeExempt ? { passwordAgeExempt: true as const } : {}),
    changedAt: snapshot.changedAt,
  };
}

/** A credential-relevant event of a user stream: a snapshot, or a bulk expiry standing in for one. */
export type CredentialRecord =
  | { readonly version: number; readonly type: 'CredentialStateRecorded'; readonly data: CredentialSnapshot }
  | { readonly version: number; readonly type: 'PasswordExpired'; readonly data: PasswordExpired['data'] };

/**
 * The current credential from the latest snapshot and the bulk expiries after it (oldest first), at the
 * version of the newest of them — what identity holds once it has applied their messages.
 */
export function currentCredentialState(
  records: readonly CredentialRecord[],
): CredentialStateChangedV1 | null {
  let snapshot: CredentialSnapshot | null = null;
  let version = 0;
  for (const record of records) {
    if (record.type === 'CredentialStateRecorded') snapshot = record.data;
    else if (snapshot && record.data.credentialStatus)
      snapshot = credentialStateAfterBulkExpiry(
        snapshot,
        record.data.credentialStatus,
        record.data.expiredAt,
      );
    else continue;
    version = record.version;
  }
  return snapshot ? credentialStateChanged(snapshot, version) : null;
}
