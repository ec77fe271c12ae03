import type { Queryable } from '@lapse/shared';
import { digestOf } from '../tokens/secret-token';

/**
 * A PASSWORD_RESET transaction is an `identity_transactions` row (so cancel and expiry work as for any
 * state token) that also holds the SHA-256 of the reset link that opened it.
 */
export async function insertRecoveryTransaction(
  db: Queryable,
  stateToken: string,
  transaction: {
    readonly userId: string;
    readonly credentialVersion: number;
    readonly recoveryTokenHash: string;
    readonly createdAt: Date;
    readonly expiresAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO identity_transactions
            (state_token_hash, user_id, status, credential_version, created_at, expires_at, recovery_token_hash)
     VALUES ($1, $2, 'PASSWORD_RESET', $3, $4, $5, $6)`,
    [
      digestOf(stateToken),
      transaction.userId,
      transaction.credentialVersion,
      transaction.createdAt,
      transaction.expiresAt,
      transaction.recoveryTokenHash,
    ],
  );
}

export async function recoveryTokenHashOf(db: Queryable, stateToken: string): Promise<string | null> {
  const { rows } = await db.query<{ recovery_token_hash: string | null }>(
    'SELECT recovery_token_hash FROM identity_transactions WHERE state_token_hash = $1',
    [digestOf(stateToken)],
  );
  return rows[0]?.recovery_token_hash ?? null;
}
