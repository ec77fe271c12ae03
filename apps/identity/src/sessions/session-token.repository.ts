import type { Queryable } from '@lapse/shared';
import { digestOf } from '../tokens/secret-token';

export interface SessionTokenGrant {
  readonly userId: string;
  readonly credentialVersion: number;
  readonly passwordVerifiedAt: Date;
}

export async function insertSessionToken(
  db: Queryable,
  token: string,
  grant: SessionTokenGrant,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO identity_session_tokens (token_hash, user_id, credential_version, password_verified_at, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [digestOf(token), grant.userId, grant.credentialVersion, grant.passwordVerifiedAt, now, expiresAt],
  );
}

/** Spends a session token: one use only, atomically; null when unknown, spent or expired. */
export async function redeemSessionToken(
  db: Queryable,
  token: string,
  now: Date,
): Promise<SessionTokenGrant | null> {
  const { rows } = await db.query<{
    user_id: string;
    credential_version: number;
    password_verified_at: Date;
  }>(
    `UPDATE identity_session_tokens SET used_at = $2
      WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
      RETURNING user_id, credential_version, password_verified_at`,
    [digestOf(token), now],
  );
  const row = rows[0];
  return row
    ? {
        userId: row.user_id,
        credentialVersion: row.credential_version,
        passwordVerifiedAt: row.password_verified_at,
      }
    : null;
}
