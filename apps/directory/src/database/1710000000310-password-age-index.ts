import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * The age-expiry sweep's index (`user/expire-by-age/`): the password-change time of exactly the users the
 * policy's maximum age can expire (ACTIVE, directory-mastered, not exempt), so a sweep reads the range of
 * passwords older than the cutoff and no other user: its work is proportional to the users it expires.
 * A user leaves the index when expired (status), exempted, or gets a new password (moves past the cutoff).
 */
export class PasswordAgeIndex1710000000310 implements MigrationInterface {
  name = 'PasswordAgeIndex1710000000310';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE INDEX directory_users_password_age ON directory_users (password_changed_at, id)
       WHERE status = 'ACTIVE' AND provider_type IN ('OKTA', 'IMPORT') AND NOT (state ? 'passwordAgeExempt')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX directory_users_password_age');
  }
}
