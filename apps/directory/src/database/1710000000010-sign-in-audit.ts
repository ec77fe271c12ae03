import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Sign-ins in the System Log: the client's address of a record (Okta's `client.ipAddress`), and each user's
 * last successful sign-in (`lastLogin`) in a narrow table of its own, so a sign-in never rewrites the wide
 * `directory_users` row (and its indexes).
 */
export class SignInAudit1710000000010 implements MigrationInterface {
  name = 'SignInAudit1710000000010';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE directory_audit_log ADD COLUMN client_ip text');
    await db.query(`
      CREATE TABLE directory_user_last_logins (
        user_id    uuid        PRIMARY KEY,
        last_login timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_user_last_logins');
    await db.query('ALTER TABLE directory_audit_log DROP COLUMN client_ip');
  }
}
