import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Finds the user behind a self-service (forgot-password) reset link by its SHA-256, kept in the folded state
 * as `pendingRecovery` whatever the user's status: one index lookup, like an admin's link in RECOVERY.
 */
export class PendingRecoveryLinkIndex1710000000210 implements MigrationInterface {
  name = 'PendingRecoveryLinkIndex1710000000210';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX directory_users_pending_recovery_token
          ON directory_users ((state->'pendingRecovery'->>'tokenHash'))
       WHERE (state->'pendingRecovery'->>'tokenHash') IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX directory_users_pending_recovery_token');
  }
}
