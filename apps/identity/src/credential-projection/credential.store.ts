import type { Queryable } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import type { Pool, PoolClient } from 'pg';
import type { CredentialState, LockoutRecord } from '../sign-in/domain/sign-in-gate';

/** One user's credential as the gate needs it: the projection row, the newest cutoff, the lockout record. */
export interface GateFacts {
  readonly credential: CredentialState;
  readonly latestCutoff: Date | null;
  readonly lockout: LockoutRecord | null;
}

export interface GateFactsRow {
  user_id: string;
  login: string;
  provider_type: CredentialState['providerType'];
  status: CredentialState['status'];
  credential_version: number;
  password_hash: string | null;
  password_changed_at: Date | null;
  password_expired: boolean;
  one_time_expires_at: Date | null;
  password_age_exempt: boolean;
  expired_at: Date | null;
  changed_at: Date;
  latest_cutoff: Date | null;
  failed_attempts: number | null;
  locked_at: Date | null;
}

const SELECT_FACTS = `
  SELECT c.user_id, c.login, c.provider_type, c.status, c.credential_version, c.password_hash,
         c.password_changed_at, c.password_expired, c.one_time_expires_at, c.password_age_exempt, c.expired_at,
         c.changed_at,
         (SELECT max(b.cutoff) FROM identity_bulk_cutoffs b
           WHERE c.provider_type = ANY (b.providers)
             AND (b.group_ids IS NULL
                  OR EXISTS (SELECT 1 FROM identity_group_members m
                              WHERE m.user_id = c.user_id AND m.group_id = ANY (b.group_ids)))
             AND (NOT b.user_scoped
                  OR EXISTS (SELECT 1 FROM identity_bulk_cutoff_users u
                              WHERE u.user_id = c.user_id AND u.job_id = b.job_id))) AS latest_cutoff,
         l.failed_attempts, l.locked_at
    FROM identity_credentials c LEFT JOIN identity_lockouts l ON l.user_id = c.user_id`;

export function toFacts(row: GateFactsRow | undefined): GateFacts | null {
  if (!row) return null;
  return {
    credential: {
      userId: row.user_id,
      login: row.login,
      providerType: row.provider_type,
      status: row.status,
      credentialVersion: row.credential_version,
      passwordHash: row.password_hash,
      passwordChangedAt: row.password_changed_at,
      passwordExpired: row.password_expired,
      oneTimeExpiresAt: row.one_time_expires_at,
      passwordAgeExempt: row.password_age_exempt,
      expiredAt: row.expired_at,
      changedAt: row.changed_at,
    },
    latestCutoff: row.latest_cutoff,
    lockout:
      row.failed_attempts === null ? null : { failedAttempts: row.failed_attempts, lockedAt: row.locked_at },
  };
}

/**
 * The gate facts of the login whose normalized form (`normalizeLogin`, as directory keeps it unique) is `$1`:
 * `Åda`, `ÅDA` and a decomposed `Åda` are one login.
 */
export const FACTS_BY_LOGIN = `${SELECT_FACTS} WHERE c.login_normalized = $1 ORDER BY c.changed_at DESC LIMIT 1`;

/**
 * The gate facts of the login `$1` and, in the same statement, `insert` — an `INSERT … SELECT … FROM facts`
 * with parameters from `$2` — writing a row for the user found (none for an unknown login): a sign-in's
 * provisional session or session token (`Provisional` in the gate). Named (prepared), like the plain lookup.
 */
export async function gateFactsWriting(
  db: Pool | PoolClient,
  name: string,
  login: string,
  insert: string,
  values: readonly unknown[],
): Promise<GateFacts | null> {
  const { rows } = await db.query<GateFactsRow>({
    name,
    text: `WITH facts AS (${FACTS_BY_LOGIN}), written AS (${insert}) SELECT * FROM facts`,
    values: [normalizeLogin(login), ...values],
  });
  return toFacts(rows[0]);
}

/** On the sign-in path: a named (prepared) statement, planned once per connection. */
export async function gateFactsByLogin(db: Pool | PoolClient, login: string): Promise<GateFacts | null> {
  const { rows } = await db.query<GateFactsRow>({
    name: 'identity-gate-facts-by-login',
    text: FACTS_BY_LOGIN,
    values: [normalizeLogin(login)],
  });
  return toFacts(rows[0]);
}

export async function gateFactsByUserId(db: Queryable, userId: string): Promise<GateFacts | null> {
  const { rows } = await db.query<GateFactsRow>(`${SELECT_FACTS} WHERE c.user_id = $1`, [userId]);
  return toFacts(rows[0]);
}

export async function credentialVersionOf(db: Queryable, userId: string): Promise<number | null> {
  const { rows } = await db.query<{ credential_version: number }>(
    'SELECT credential_version FROM identity_credentials WHERE user_id = $1',
    [userId],
  );
  return rows[0]?.credential_version ?? null;
}
