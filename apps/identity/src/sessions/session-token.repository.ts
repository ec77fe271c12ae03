import type { Queryable } from '@lapse/shared';
import type { Pool, PoolClient } from 'pg';
import { type GateFacts, gateFactsWriting } from '../credential-projection/credential.store';
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

/**
 * `/api/v1/authn`'s credential lookup, with the session token a SUCCESS would answer inserted by the same
 * statement (for the user found, at that credential version; proven at `createdAt`). The token is revealed
 * only on SUCCESS; otherwise `withdrawSessionToken` deletes the row.
 */
export function gateFactsGrantingSessionToken(
  db: Pool | PoolClient,
  login: string,
  tokenHash: string,
  createdAt: Date,
  expiresAt: Date,
): Promise<GateFacts | null> {
  return gateFactsWriting(
    db,
    'identity-gate-facts-granting-session-token',
    login,
    `INSERT INTO identity_session_tokens
       (token_hash, user_id, credential_version, password_verified_at, created_at, expires_at)
     SELECT $2, user_id, credential_version, $3, $3, $4 FROM facts`,
    [tokenHash, createdAt, expiresAt],
  );
}

export async function withdrawSessionToken(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM identity_session_tokens WHERE token_hash = $1', [tokenHash]);
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
