import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Finds the user behind a reset-password link by its SHA-256 (kept in the folded state of users in
 * RECOVERY), so following a link is one index lookup, not a scan.
 */
export class RecoveryLinkIndex1710000000002 implements MigrationInterface {
  name = 'RecoveryLinkIndex1710000000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX directory_users_recovery_token ON directory_users ((state->'recovery'->>'tokenHash'))
        WHERE status = 'RECOVERY'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX directory_users_recovery_token');
  }
}
