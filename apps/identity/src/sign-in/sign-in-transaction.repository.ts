import type { Queryable } from '@lapse/shared';
import { digestOf } from '../tokens/secret-token';

/** States a sign-in transaction can be in while its stateToken is alive, and where it ends. */
export type TransactionStatus =
  | 'PASSWORD_EXPIRED'
  | 'PASSWORD_WARN'
  | 'PASSWORD_RESET'
  | 'SUCCESS'
  | 'CANCELLED';

export interface SignInTransaction {
  readonly userId: string;
  readonly status: TransactionStatus;
  readonly credentialVersion: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly endedAt: Date | null;
}

export async function insertTransaction(
  db: Queryable,
  stateToken: string,
  transaction: Omit<SignInTransaction, 'endedAt'>,
): Promise<void> {
  await db.query(
    `INSERT INTO identity_transactions (state_token_hash, user_id, status, credential_version, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      digestOf(stateToken),
      transaction.userId,
      transaction.status,
      transaction.credentialVersion,
      transaction.createdAt,
      transaction.expiresAt,
    ],
  );
}

export async function findTransaction(db: Queryable, stateToken: string): Promise<SignInTransaction | null> {
  const { rows } = await db.query<{
    user_id: string;
    status: TransactionStatus;
    credential_version: number;
    created_at: Date;
    expires_at: Date;
    ended_at: Date | null;
  }>(
    `SELECT user_id, status, credential_version, created_at, expires_at, ended_at
       FROM identity_transactions WHERE state_token_hash = $1`,
    [digestOf(stateToken)],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    userId: row.user_id,
    status: row.status,
    credentialVersion: row.credential_version,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
  };
}

/** Moves a live transaction from `from` to `to`; false when someone else moved it first. */
export async function finishTransaction(
  db: Queryable,
  stateToken: string,
  from: TransactionStatus,
  to: TransactionStatus,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE identity_transactions SET status = $3, ended_at = $4
      WHERE state_token_hash = $1 AND status = $2 AND ended_at IS NULL`,
    [digestOf(stateToken), from, to, now],
  );
  return (rowCount ?? 0) > 0;
}
