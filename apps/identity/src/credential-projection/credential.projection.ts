import {
  type BulkPasswordExpiryStartedV1,
  type CredentialStateChangedV1,
  DIRECTORY_EVENT_TYPES,
  type MessageHandler,
  type PasswordExpiredV1,
  type Queryable,
} from '@lapse/shared';
import type { Pool, PoolClient } from 'pg';

/**
 * The credential-state projection: directory's facts as identity needs them to verify a password and
 * gate a session. Every write is idempotent and order-tolerant, so replay and redelivery are harmless:
 * a snapshot replaces the row only when its credentialVersion is higher; expiry facts only move forward.
 */
export const CREDENTIAL_PROJECTION_CONSUMER = 'identity.credential-projection';

/** Keeps the newest snapshot per user; an older one arriving late changes nothing. */
export async function applyCredentialState(
  db: Queryable,
  snapshot: CredentialStateChangedV1,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO identity_credentials (user_id, login, provider_type, provider_name, status, credential_version,
        password_hash, password_changed_at, password_expired, one_time_expires_at, changed_at, applied_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
     ON CONFLICT (user_id) DO UPDATE SET
        login = EXCLUDED.login, provider_type = EXCLUDED.provider_type, provider_name = EXCLUDED.provider_name,
        status = EXCLUDED.status, credential_version = EXCLUDED.credential_version,
        password_hash = EXCLUDED.password_hash, password_changed_at = EXCLUDED.password_changed_at,
        password_expired = EXCLUDED.password_expired, one_time_expires_at = EXCLUDED.one_time_expires_at,
        changed_at = EXCLUDED.changed_at, applied_at = now()
      WHERE identity_credentials.credential_version < EXCLUDED.credential_version`,
    [
      snapshot.userId,
      snapshot.login,
      snapshot.provider.type,
      snapshot.provider.name,
      snapshot.status,
      snapshot.credentialVersion,
      snapshot.passwordHash,
      snapshot.passwordChangedAt,
      snapshot.passwordExpired,
      snapshot.oneTimePassword?.expiresAt ?? null,
      snapshot.changedAt,
    ],
  );
  if ((rowCount ?? 0) > 0) await clearLockAfterUnlockOrChange(db, snapshot);
  return (rowCount ?? 0) > 0;
}

/** An admin unlock or a new password (a newer snapshot that is not LOCKED_OUT) ends identity's lock. */
async function clearLockAfterUnlockOrChange(
  db: Queryable,
  snapshot: CredentialStateChangedV1,
): Promise<void> {
  if (snapshot.status === 'LOCKED_OUT') return;
  await db.query(
    `DELETE FROM identity_lockouts
      WHERE user_id = $1 AND (locked_at IS NULL OR locked_at <= $2::timestamptz)`,
    [snapshot.userId, snapshot.changedAt],
  );
}

/** The O(1) bulk fact: one row, applied at the gate to every user of the providers. */
export async function applyBulkExpiryCutoff(db: Queryable, fact: BulkPasswordExpiryStartedV1): Promise<void> {
  await db.query(
    `INSERT INTO identity_bulk_cutoffs (job_id, cutoff, providers, started_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (job_id) DO NOTHING`,
    [fact.jobId, fact.cutoff, [...fact.providers], fact.startedAt],
  );
}

/**
 * Informational per-user expiry: it may overtake the snapshot (another topic), so it is kept as a fact that
 * applies to passwords set before it, never as a status — a later password change outranks it.
 * A bulk expiry's PasswordExpired also stands in for its credential snapshot (`status`, `credentialVersion`):
 * over an older snapshot it sets that status and `password_expired`, like a snapshot with that version would.
 */
export async function applyPasswordExpired(db: Pool | PoolClient, fact: PasswordExpiredV1): Promise<void> {
  if (fact.credentialVersion === undefined || fact.status === undefined) {
    await db.query(
      `UPDATE identity_credentials SET expired_at = GREATEST(expired_at, $2::timestamptz), applied_at = now()
        WHERE user_id = $1`,
      [fact.userId, fact.expiredAt],
    );
    return;
  }
  // One message per user of a bulk fan-out: a named statement, planned once per connection. Every
  // expression reads the row as it was: `credential_version < $4` is "this fact is newer".
  await db.query({
    name: 'identity-apply-bulk-password-expired',
    text: `UPDATE identity_credentials
              SET expired_at = GREATEST(expired_at, $2::timestamptz), applied_at = now(),
                  status = CASE WHEN credential_version < $4 THEN $3 ELSE status END,
                  password_expired = password_expired OR credential_version < $4,
                  changed_at = CASE WHEN credential_version < $4 THEN $2::timestamptz ELSE changed_at END,
                  credential_version = GREATEST(credential_version, $4)
            WHERE user_id = $1`,
    values: [fact.userId, fact.expiredAt, fact.status, fact.credentialVersion],
  });
}

/** The projection's handlers, by published event type; sessions add theirs beside these. */
export function credentialProjectionHandlers(): Record<string, MessageHandler> {
  const t = DIRECTORY_EVENT_TYPES;
  return {
    [t.CredentialStateChanged]: async (message, tx) => {
      await applyCredentialState(tx, message.payload as CredentialStateChangedV1);
    },
    [t.BulkPasswordExpiryStarted]: (message, tx) =>
      applyBulkExpiryCutoff(tx, message.payload as BulkPasswordExpiryStartedV1),
    [t.PasswordExpired]: (message, tx) => applyPasswordExpired(tx, message.payload as PasswordExpiredV1),
  };
}
