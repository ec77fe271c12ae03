import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * A recovery transaction (status PASSWORD_RESET) is a sign-in transaction that also remembers which
 * reset link opened it, as the link's SHA-256 (the digest directory keeps), never the link itself.
 */
export class RecoveryTransactions1700000004001 implements MigrationInterface {
  name = 'RecoveryTransactions1700000004001';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_transactions ADD COLUMN recovery_token_hash text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_transactions DROP COLUMN recovery_token_hash');
  }
}
