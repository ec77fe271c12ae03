import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Leaves room on each page of `identity_credentials` for the row's next version, so the projection's
 * updates (a bulk expiry writes every covered user's row once) are HOT: no new entries in the primary-key
 * and login indexes, whose columns they never change. Applies to pages written from now on.
 */
export class CredentialsRoomForUpdates1700000004100 implements MigrationInterface {
  name = 'CredentialsRoomForUpdates1700000004100';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_credentials SET (fillfactor = 50)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_credentials RESET (fillfactor)');
  }
}
