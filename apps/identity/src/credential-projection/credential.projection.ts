import {
  type BulkPasswordExpiryStartedV1,
  batchHandler,
  type ConsumerHandler,
  type CredentialStateChangedV1,
  DIRECTORY_EVENT_TYPES,
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
  await applyPasswordsExpired(db, [fact]);
}

/**
 * Many PasswordExpired facts (a bulk fan-out delivers thousands per fetch) in one statement, with the
 * effect of applying them one by one in order: per user, the newest expiry instant, and of the facts that
 * carry a credential change the one with the highest credentialVersion (the first of equals).
 */
export async function applyPasswordsExpired(
  db: Pool | PoolClient,
  facts: readonly PasswordExpiredV1[],
): Promise<void> {
  const byUser = new Map<string, ExpiryOfUser>();
  for (const fact of facts) {
    // Checked here, as PostgreSQL would: a fact folded away must not hide a poison message.
    if (Number.isNaN(Date.parse(fact.expiredAt))) {
      throw new Error(`PasswordExpired of ${fact.userId}: expiredAt is not a timestamp`);
    }
    const seen = byUser.get(fact.userId);
    if (!seen) {
      byUser.set(fact.userId, {
        expiredAt: fact.expiredAt,
        change: fact.credentialVersion !== undefined && fact.status !== undefined ? fact : null,
      });
      continue;
    }
    if (Date.parse(fact.expiredAt) > Date.parse(seen.expiredAt)) seen.expiredAt = fact.expiredAt;
    if (
      fact.credentialVersion !== undefined &&
      fact.status !== undefined &&
      (seen.change === null || fact.credentialVersion > (seen.change.credentialVersion as number))
    ) {
      seen.change = fact;
    }
  }
  const users = [...byUser.keys()];
  const expiries = [...byUser.values()];
  // A named statement, planned once per connection. Every expression reads the row as it was:
  // `credential_version < f.version` is "this fact is newer"; version 0 carries no credential change
  // (stream versions start at 1).
  await db.query({
    name: 'identity-apply-passwords-expired',
    text: `UPDATE identity_credentials c
              SET expired_at = GREATEST(c.expired_at, f.expired_at), applied_at = now(),
                  status = CASE WHEN c.credential_version < f.version THEN f.status ELSE c.status END,
                  password_expired = c.password_expired OR c.credential_version < f.version,
                  changed_at = CASE WHEN c.credential_version < f.version THEN f.changed_at ELSE c.changed_at END,
                  credential_version = GREATEST(c.credential_version, f.version)
             FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[], $5::timestamptz[])
                  AS f(user_id, expired_at, status, version, changed_at)
            WHERE c.user_id = f.user_id`,
    values: [
      users,
      expiries.map((expiry) => expiry.expiredAt),
      expiries.map((expiry) => expiry.change?.status ?? null),
      expiries.map((expiry) => expiry.change?.credentialVersion ?? 0),
      expiries.map((expiry) => expiry.change?.expiredAt ?? null),
    ],
  });
}

interface ExpiryOfUser {
  expiredAt: string;
  /** The fact carrying the highest credential change so far, if any did. */
  change: PasswordExpiredV1 | null;
}

/** The projection's handlers, by published event type; sessions add theirs beside these. */
export function credentialProjectionHandlers(): Record<string, ConsumerHandler> {
  const t = DIRECTORY_EVENT_TYPES;
  return {
    [t.CredentialStateChanged]: async (message, tx) => {
      await applyCredentialState(tx, message.payload as CredentialStateChangedV1);
    },
    [t.BulkPasswordExpiryStarted]: (message, tx) =>
      applyBulkExpiryCutoff(tx, message.payload as BulkPasswordExpiryStartedV1),
    [t.PasswordExpired]: batchHandler((messages, tx) =>
      applyPasswordsExpired(
        tx,
        messages.map((message) => message.payload as PasswordExpiredV1),
      ),
    ),
  };
}
