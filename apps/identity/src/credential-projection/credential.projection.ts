import {
  arrayLiteral,
  type BulkPasswordExpiryStartedV1,
  type BulkPasswordExpiryUsersScopedV1,
  batchHandler,
  type ConsumerHandler,
  type CredentialStateChangedV1,
  DIRECTORY_EVENT_TYPES,
  type GroupDeletedV1,
  type PasswordExpiredV1,
  type Queryable,
  type UserAddedToGroupV1,
  type UserRemovedFromGroupV1,
} from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import type { Pool, PoolClient } from 'pg';

/**
 * The credential-state projection: directory's facts as identity needs them to verify a password and
 * gate a session. Every write is idempotent and order-tolerant, so replay and redelivery are harmless:
 * a snapshot replaces the row only when its credentialVersion is higher; expiry facts only move forward.
 */
export const CREDENTIAL_PROJECTION_CONSUMER = 'identity.credential-projection';

/** Keeps the newest snapshot per user; an older one arriving late changes nothing. */
export async function applyCredentialState(
  db: Pool | PoolClient,
  snapshot: CredentialStateChangedV1,
): Promise<boolean> {
  return (await applyCredentialStates(db, [snapshot])) > 0;
}

/**
 * Many snapshots (an import delivers thousands per fetch) in two statements, with the effect of applying
 * them one by one in order; returns how many user rows changed. Every snapshot reaches PostgreSQL, so one
 * that cannot be stored fails the run (and is dead-lettered alone) even when a newer one outranks it.
 */
export async function applyCredentialStates(
  db: Pool | PoolClient,
  snapshots: readonly CredentialStateChangedV1[],
): Promise<number> {
  if (snapshots.length === 0) return 0;
  const unlocking = snapshotsEndingLocks(snapshots);
  // One statement: the lock deletion reads the stored versions as they were before the upsert (every part
  // of a statement sees the same snapshot), which is what the comparison needs. Per user, the highest
  // credentialVersion (the first of equals) is the one a run in order would leave.
  const { rowCount } = await db.query({
    name: 'identity-apply-credential-states',
    text: `WITH ended_locks AS (
             DELETE FROM identity_lockouts l
              USING unnest($14::text[], $15::int[], $16::timestamptz[]) AS s(user_id, credential_version, changed_at)
              WHERE l.user_id = s.user_id
                AND (l.locked_at IS NULL OR l.locked_at <= s.changed_at)
                AND NOT EXISTS (SELECT 1 FROM identity_credentials c
                                 WHERE c.user_id = s.user_id AND c.credential_version >= s.credential_version))
           INSERT INTO identity_credentials (user_id, login, login_normalized, provider_type, provider_name, status,
              credential_version, password_hash, password_changed_at, password_expired, one_time_expires_at,
              changed_at, password_age_exempt, applied_at)
           SELECT DISTINCT ON (user_id) user_id, login, login_normalized, provider_type, provider_name, status,
                  credential_version, password_hash, password_changed_at, password_expired, one_time_expires_at,
                  changed_at, password_age_exempt, now()
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                         $8::timestamptz[], $9::boolean[], $10::timestamptz[], $11::timestamptz[], $12::text[],
                         $13::boolean[])
                  WITH ORDINALITY
                  AS s(user_id, login, provider_type, provider_name, status, credential_version, password_hash,
                       password_changed_at, password_expired, one_time_expires_at, changed_at, login_normalized,
                       password_age_exempt, arrival)
            ORDER BY user_id, credential_version DESC, arrival
           ON CONFLICT (user_id) DO UPDATE SET
              login = EXCLUDED.login, login_normalized = EXCLUDED.login_normalized, provider_type = EXCLUDED.provider_type, provider_name = EXCLUDED.provider_name,
              status = EXCLUDED.status, credential_version = EXCLUDED.credential_version,
              password_hash = EXCLUDED.password_hash, password_changed_at = EXCLUDED.password_changed_at,
              password_expired = EXCLUDED.password_expired, one_time_expires_at = EXCLUDED.one_time_expires_at,
              changed_at = EXCLUDED.changed_at, password_age_exempt = EXCLUDED.password_age_exempt,
              applied_at = now()
            WHERE identity_credentials.credential_version < EXCLUDED.credential_version`,
    values: [
      arrayLiteral(snapshots.map((snapshot) => snapshot.userId)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.login)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.provider.type)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.provider.name)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.status)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.credentialVersion)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.passwordHash)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.passwordChangedAt)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.passwordExpired)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.oneTimePassword?.expiresAt ?? null)),
      arrayLiteral(snapshots.map((snapshot) => snapshot.changedAt)),
      arrayLiteral(snapshots.map((snapshot) => normalizeLogin(snapshot.login))),
      arrayLiteral(snapshots.map((snapshot) => snapshot.passwordAgeExempt === true)),
      arrayLiteral(unlocking.map((snapshot) => snapshot.userId)),
      arrayLiteral(unlocking.map((snapshot) => snapshot.credentialVersion)),
      arrayLiteral(unlocking.map((snapshot) => snapshot.changedAt)),
    ],
  });
  return rowCount ?? 0;
}

/**
 * An admin unlock or a new password (a newer snapshot that is not LOCKED_OUT) ends identity's lock. In a
 * run, a snapshot is applied when its version is above the stored one and above every earlier one of the
 * run for that user; each applied one that is not LOCKED_OUT ends a lock taken no later than its change.
 * These are the snapshots that may end one (the statement compares them with the stored versions).
 */
function snapshotsEndingLocks(snapshots: readonly CredentialStateChangedV1[]): CredentialStateChangedV1[] {
  const highestSoFar = new Map<string, number>();
  const unlocking: CredentialStateChangedV1[] = [];
  for (const snapshot of snapshots) {
    const highest = highestSoFar.get(snapshot.userId);
    if (highest !== undefined && snapshot.credentialVersion <= highest) continue;
    highestSoFar.set(snapshot.userId, snapshot.credentialVersion);
    if (snapshot.status !== 'LOCKED_OUT') unlocking.push(snapshot);
  }
  return unlocking;
}

/**
 * The O(1) bulk fact: one row, applied at the gate to every user of the providers, or with `groupIds` to the
 * members of those groups (as `identity_group_members` knows them when the user signs in), or with
 * `scopedUsers` to the users its chunks list (`applyBulkExpiryUsers`).
 */
export async function applyBulkExpiryCutoff(db: Queryable, fact: BulkPasswordExpiryStartedV1): Promise<void> {
  await db.query(
    `INSERT INTO identity_bulk_cutoffs (job_id, cutoff, providers, started_at, group_ids, user_scoped)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (job_id) DO NOTHING`,
    [
      fact.jobId,
      fact.cutoff,
      [...fact.providers],
      fact.startedAt,
      fact.groupIds ? [...fact.groupIds] : null,
      fact.scopedUsers !== undefined,
    ],
  );
}

/**
 * A chunk of a bulk expiry's user set, in one statement: from now on the job's cutoff applies to these
 * users. Idempotent (a chunk applied again adds nothing).
 */
export async function applyBulkExpiryUsers(
  db: Queryable,
  chunk: BulkPasswordExpiryUsersScopedV1,
): Promise<void> {
  await db.query(
    `INSERT INTO identity_bulk_cutoff_users (user_id, job_id)
     SELECT user_id, $2 FROM unnest($1::text[]) AS user_id ON CONFLICT DO NOTHING`,
    [[...chunk.userIds], chunk.jobId],
  );
}

/**
 * A run of UserAddedToGroup facts (an import with `groupIds` delivers thousands per fetch) in one statement.
 * Not idempotent in the inbox's sense (an add applied again after a later removal would undo it), so the
 * inbox keeps its dedupe rows for them.
 */
export async function applyGroupMembershipsAdded(
  db: Queryable,
  facts: readonly UserAddedToGroupV1[],
): Promise<void> {
  await db.query(
    `INSERT INTO identity_group_members (user_id, group_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [facts.map((fact) => fact.userId), facts.map((fact) => fact.groupId)],
  );
}

/**
 * Group memberships, for bulk expiries scoped to groups. A user's facts arrive in order (keyed by user id);
 * a group's deletion ends every membership in it.
 */
export async function applyGroupMembership(
  db: Queryable,
  fact: UserAddedToGroupV1 | UserRemovedFromGroupV1,
  member: boolean,
): Promise<void> {
  await db.query(
    member
      ? 'INSERT INTO identity_group_members (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING'
      : 'DELETE FROM identity_group_members WHERE user_id = $1 AND group_id = $2',
    [fact.userId, fact.groupId],
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
  // (stream versions start at 1). `user_id = ANY ($1)` lets the planner see which rows it needs: with the
  // join alone, the plans PostgreSQL makes for a statement's first executions (which know the run's length)
  // hash-joined a sequential scan of the whole table, several times slower on a large directory
  // (docs/performance.md, "Identity's projection").
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
            WHERE c.user_id = f.user_id AND c.user_id = ANY ($1::text[])`,
    values: [
      arrayLiteral(users),
      arrayLiteral(expiries.map((expiry) => expiry.expiredAt)),
      arrayLiteral(expiries.map((expiry) => expiry.change?.status ?? null)),
      arrayLiteral(expiries.map((expiry) => expiry.change?.credentialVersion ?? 0)),
      arrayLiteral(expiries.map((expiry) => expiry.change?.expiredAt ?? null)),
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
    // Idempotent: a snapshot applied again at any later point changes nothing (it replaces the row only over a
    // lower credentialVersion, and ends a lock only then), so it skips the inbox's dedupe row: an expiry's
    // transaction is one statement shorter.
    [t.CredentialStateChanged]: batchHandler(
      async (messages, tx) => {
        await applyCredentialStates(
          tx,
          messages.map((message) => message.payload as CredentialStateChangedV1),
        );
      },
      { idempotent: true },
    ),
    [t.BulkPasswordExpiryStarted]: (message, tx) =>
      applyBulkExpiryCutoff(tx, message.payload as BulkPasswordExpiryStartedV1),
    [t.BulkPasswordExpiryUsersScoped]: (message, tx) =>
      applyBulkExpiryUsers(tx, message.payload as BulkPasswordExpiryUsersScopedV1),
    [t.UserAddedToGroup]: batchHandler((messages, tx) =>
      applyGroupMembershipsAdded(
        tx,
        messages.map((message) => message.payload as UserAddedToGroupV1),
      ),
    ),
    [t.UserRemovedFromGroup]: (message, tx) =>
      applyGroupMembership(tx, message.payload as UserRemovedFromGroupV1, false),
    [t.GroupDeleted]: async (message, tx) => {
      await tx.query('DELETE FROM identity_group_members WHERE group_id = $1', [
        (message.payload as GroupDeletedV1).groupId,
      ]);
    },
    // Idempotent: applied again at any later point it changes nothing (the newest expiry instant, the
    // highest credentialVersion), so a bulk fan-out's facts skip the inbox's dedupe row.
    [t.PasswordExpired]: batchHandler(
      (messages, tx) =>
        applyPasswordsExpired(
          tx,
          messages.map((message) => message.payload as PasswordExpiredV1),
        ),
      { idempotent: true },
    ),
  };
}
