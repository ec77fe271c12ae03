import type { Queryable } from '@lapse/shared';
import type { Pool, PoolClient } from 'pg';
import { type GateFacts, gateFactsWriting } from '../credential-projection/credential.store';
import type { SessionPolicy } from '../identity.config';
import { digestOf } from '../tokens/secret-token';

export interface SessionRecord {
  /** The session id is the bearer secret (it is also the `sid` cookie): only its digest is stored. */
  readonly id: string;
  readonly userId: string;
  readonly login: string;
  readonly credentialVersion: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly lastPasswordVerification: Date;
}

interface SessionRow {
  user_id: string;
  login: string;
  credential_version: number;
  created_at: Date;
  expires_at: Date;
  last_password_verification: Date;
}

const toRecord = (id: string, row: SessionRow): SessionRecord => ({
  id,
  userId: row.user_id,
  login: row.login,
  credentialVersion: row.credential_version,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastPasswordVerification: row.last_password_verification,
});

/** `idHash` is `digestOf(session.id)`, passed in when it was computed ahead of time. */
export async function insertSession(
  db: Pool | PoolClient,
  session: SessionRecord,
  idHash: string = digestOf(session.id),
): Promise<void> {
  await db.query({
    name: 'identity-insert-session',
    text: `INSERT INTO identity_sessions (id_hash, user_id, login, credential_version, created_at, expires_at, last_password_verification)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    values: [
      idHash,
      session.userId,
      session.login,
      session.credentialVersion,
      session.createdAt,
      session.expiresAt,
      session.lastPasswordVerification,
    ],
  });
}

/** A session to open for whoever the login turns out to be: the secret's digest and its times. */
export interface ProvisionalSession {
  readonly idHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/**
 * A password sign-in's credential lookup, with the session it would open inserted by the same statement
 * (for the user found, at that credential version), so no round trip is left once the hash has verified.
 * The session's secret is revealed only if the sign-in succeeds; otherwise `withdrawSession` deletes the row.
 */
export function gateFactsOpeningSession(
  db: Pool | PoolClient,
  login: string,
  session: ProvisionalSession,
): Promise<GateFacts | null> {
  return gateFactsWriting(
    db,
    'identity-gate-facts-opening-session',
    login,
    `INSERT INTO identity_sessions
       (id_hash, user_id, login, credential_version, created_at, expires_at, last_password_verification)
     SELECT $2, user_id, login, credential_version, $3, $4, $3 FROM facts`,
    [session.idHash, session.createdAt, session.expiresAt],
  );
}

export async function withdrawSession(db: Queryable, idHash: string): Promise<void> {
  await db.query('DELETE FROM identity_sessions WHERE id_hash = $1', [idHash]);
}

/**
 * A use of the session (get, `me`, internal verify, refresh): the session if it is active at `now`, and its
 * idle expiry renewed to `now` + idle time, never past `createdAt` + maximum lifetime. Active means not
 * ended (signed out, revoked), not idle past its expiry, not older than the maximum lifetime, and its user
 * neither SUSPENDED nor DEPROVISIONED in the projection: a revocation whose event is still on its way is
 * enforced by the status the credential snapshot already brought (defence in depth).
 *
 * One statement, as the read it replaces was. The renewal is written only when it moves the stored expiry
 * by at least `minimumStepMs` (refresh: 0), so a session checked many times a second is not rewritten each
 * time; the expiry answered is always the stored one, the one the next check enforces.
 */
export async function useSession(
  db: Pool | PoolClient,
  id: string,
  now: Date,
  limits: SessionPolicy,
  minimumStepMs: number,
): Promise<SessionRecord | null> {
  const { rows } = await db.query<SessionRow>({
    name: 'identity-use-session',
    text: `WITH live AS (
             SELECT s.id_hash, s.user_id, s.login, s.credential_version, s.created_at, s.expires_at,
                    s.last_password_verification,
                    s.created_at + make_interval(mins => $4::int) AS ends_at,
                    least($2::timestamptz + make_interval(mins => $3::int),
                          s.created_at + make_interval(mins => $4::int)) AS renewed_to
               FROM identity_sessions s JOIN identity_credentials c ON c.user_id = s.user_id
              WHERE s.id_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2
                AND s.created_at + make_interval(mins => $4::int) > $2
                AND c.status NOT IN ('SUSPENDED', 'DEPROVISIONED')
           ), renewed AS (
             UPDATE identity_sessions s SET expires_at = live.renewed_to FROM live
              WHERE s.id_hash = live.id_hash AND s.ended_at IS NULL
                AND live.renewed_to > s.expires_at + make_interval(secs => $5::double precision / 1000)
             RETURNING s.expires_at
           )
           SELECT live.user_id, live.login, live.credential_version, live.created_at,
                  least(coalesce(renewed.expires_at, live.expires_at), live.ends_at) AS expires_at,
                  live.last_password_verification
             FROM live LEFT JOIN renewed ON true`,
    values: [digestOf(id), now, limits.idleMinutes, limits.maxLifetimeMinutes, minimumStepMs],
  });
  return rows[0] ? toRecord(id, rows[0]) : null;
}

export async function endSession(db: Queryable, id: string, now: Date, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE identity_sessions SET ended_at = $2, ended_reason = $3
      WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > $2`,
    [digestOf(id), now, reason],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Ends every session of the user created up to `createdUpTo`, and withdraws the session tokens and sign-in
 * transactions of that time too, so nothing issued before the revocation becomes a session later.
 * Recovery transactions (opened by a reset link) are left to the link: directory refuses a link that is
 * spent, superseded or dropped, and the revocation of a used link must not cancel the very transaction that
 * used it (it answers SUCCESS, then a completed transaction, not a cancelled one).
 */
export async function endUserSessions(
  db: Queryable,
  userId: string,
  createdUpTo: Date,
  now: Date,
  reason: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE identity_sessions SET ended_at = $3, ended_reason = $4
      WHERE user_id = $1 AND ended_at IS NULL AND created_at <= $2`,
    [userId, createdUpTo, now, reason],
  );
  await db.query(
    'UPDATE identity_session_tokens SET used_at = $3 WHERE user_id = $1 AND used_at IS NULL AND created_at <= $2',
    [userId, createdUpTo, now],
  );
  await db.query(
    `UPDATE identity_transactions SET ended_at = $3, status = 'CANCELLED'
      WHERE user_id = $1 AND ended_at IS NULL AND created_at <= $2 AND recovery_token_hash IS NULL`,
    [userId, createdUpTo, now],
  );
  return rowCount ?? 0;
}

/**
 * Ends every other active session of the user (a signed-in change of password with `revokeSessions`): the
 * session `keptId` stays. Session tokens and sign-in transactions issued before now are withdrawn too.
 */
export async function endOtherUserSessions(
  db: Queryable,
  userId: string,
  keptId: string,
  now: Date,
  reason: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE identity_sessions SET ended_at = $3, ended_reason = $4
      WHERE user_id = $1 AND id_hash <> $2 AND ended_at IS NULL`,
    [userId, digestOf(keptId), now, reason],
  );
  await db.query(
    'UPDATE identity_session_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL AND created_at <= $2',
    [userId, now],
  );
  await db.query(
    `UPDATE identity_transactions SET ended_at = $2, status = 'CANCELLED'
      WHERE user_id = $1 AND ended_at IS NULL AND created_at <= $2 AND recovery_token_hash IS NULL`,
    [userId, now],
  );
  return rowCount ?? 0;
}
