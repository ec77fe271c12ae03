import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Jobs that tell the truth (`bulk-expiry/bulk-jobs.ts`): `changed_since_cutoff` counts the users a job
 * expired who have since set a password of their own (the user projection increments it, no scan per poll);
 * `directory_bulk_jobs_newest` pages `GET /api/v1/jobs` newest first. Completed jobs recorded before had
 * `skipped` counting users who were never targets (already expired at the cutoff): theirs becomes
 * `total - expired`, what the counting now records.
 */
export class JobCounts1730000000400 implements MigrationInterface {
  name = 'JobCounts1730000000400';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE directory_bulk_jobs ADD COLUMN changed_since_cutoff integer NOT NULL DEFAULT 0',
    );
    await db.query(
      'CREATE INDEX directory_bulk_jobs_newest ON directory_bulk_jobs (created_at DESC, id DESC)',
    );
    await db.query(
      "UPDATE directory_bulk_jobs SET skipped = greatest(total - expired, 0) WHERE status = 'COMPLETED'",
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX directory_bulk_jobs_newest');
    await db.query('ALTER TABLE directory_bulk_jobs DROP COLUMN changed_since_cutoff');
  }
}
