import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * A bulk expiry scoped to an explicit set of users (`userIds`, or the users a `filter` / `search` matched when
 * it started): `scoped_users` is the set's size (null: no set), `filter` / `search` the expressions it was
 * taken with, and `directory_bulk_job_users` the set, which the fan-out's batches join.
 */
export class BulkJobUserScope1740000000101 implements MigrationInterface {
  name = 'BulkJobUserScope1740000000101';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE directory_bulk_jobs ADD COLUMN scoped_users integer, ADD COLUMN filter text, ADD COLUMN search text',
    );
    await db.query(`
      CREATE TABLE directory_bulk_job_users (
        job_id  uuid NOT NULL REFERENCES directory_bulk_jobs (id),
        user_id uuid NOT NULL,
        PRIMARY KEY (job_id, user_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_bulk_job_users');
    await db.query(
      'ALTER TABLE directory_bulk_jobs DROP COLUMN scoped_users, DROP COLUMN filter, DROP COLUMN search',
    );
  }
}
