import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/** Bulk-expiry jobs fan out in slices (disjoint user-id ranges) that run concurrently, each checkpointed. */
export class BulkJobSlices1710000000001 implements MigrationInterface {
  name = 'BulkJobSlices1710000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_bulk_job_slices (
        job_id      uuid    NOT NULL REFERENCES directory_bulk_jobs (id),
        slice       integer NOT NULL,
        low         uuid    NOT NULL,
        high        uuid,
        checkpoint  uuid,
        expired     integer NOT NULL DEFAULT 0,
        skipped     integer NOT NULL DEFAULT 0,
        done        boolean NOT NULL DEFAULT false,
        PRIMARY KEY (job_id, slice)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_bulk_job_slices');
  }
}
