import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * A bulk expiry scoped to an explicit set of users (ids, or a filter's snapshot): its cutoff row says so
 * (`user_scoped`), and `identity_bulk_cutoff_users` holds the set as directory's BulkPasswordExpiryUsersScoped
 * chunks deliver it, so the gate applies such a cutoff to the listed users only. Keyed by user first: the gate
 * looks a user's rows up at sign-in.
 */
export class UserScopedCutoffs1740000000101 implements MigrationInterface {
  name = 'UserScopedCutoffs1740000000101';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_bulk_cutoffs ADD COLUMN user_scoped boolean NOT NULL DEFAULT false');
    await db.query(`
      CREATE TABLE identity_bulk_cutoff_users (
        user_id text NOT NULL,
        job_id  text NOT NULL,
        PRIMARY KEY (user_id, job_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE identity_bulk_cutoff_users');
    await db.query('ALTER TABLE identity_bulk_cutoffs DROP COLUMN user_scoped');
  }
}
