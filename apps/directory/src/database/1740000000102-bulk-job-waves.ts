import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Staged bulk expiries: a job's waves (`directory_bulk_job_waves`: number, size, when it starts, its state),
 * the wave of each user of its set, the wave of each fan-out slice, the plan (`wave_size`,
 * `wave_interval_minutes`) and the users of the waves an administrator cancelled (`cancelled`). The partial
 * index finds the pending waves that are due.
 */
export class BulkJobWaves1740000000102 implements MigrationInterface {
  name = 'BulkJobWaves1740000000102';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE directory_bulk_jobs ADD COLUMN wave_size integer, ADD COLUMN wave_interval_minutes integer,
         ADD COLUMN cancelled integer NOT NULL DEFAULT 0`,
    );
    await db.query('ALTER TABLE directory_bulk_job_users ADD COLUMN wave integer');
    await db.query('ALTER TABLE directory_bulk_job_slices ADD COLUMN wave integer');
    await db.query(`
      CREATE TABLE directory_bulk_job_waves (
        job_id       uuid        NOT NULL REFERENCES directory_bulk_jobs (id),
        wave         integer     NOT NULL,
        size         integer     NOT NULL,
        starts_at    timestamptz NOT NULL,
        state        text        NOT NULL,
        started_at   timestamptz,
        completed_at timestamptz,
        PRIMARY KEY (job_id, wave)
      )`);
    await db.query(
      `CREATE INDEX directory_bulk_job_waves_due ON directory_bulk_job_waves (starts_at) WHERE state = 'PENDING'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_bulk_job_waves');
    await db.query('ALTER TABLE directory_bulk_job_slices DROP COLUMN wave');
    await db.query('ALTER TABLE directory_bulk_job_users DROP COLUMN wave');
    await db.query(
      'ALTER TABLE directory_bulk_jobs DROP COLUMN wave_size, DROP COLUMN wave_interval_minutes, DROP COLUMN cancelled',
    );
  }
}
