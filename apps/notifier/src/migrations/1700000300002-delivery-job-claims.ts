import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * A delivery job is claimed before it is sent: `claim_id` names the lane's claim, and the job's
 * `next_attempt_at` is pushed past the lease so no other lane takes it while it is being sent outside
 * any transaction. The outcome is recorded only by the claim that still holds the job.
 */
export class DeliveryJobClaims1700000300002 implements MigrationInterface {
  name = 'DeliveryJobClaims1700000300002';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE notifier_delivery_jobs ADD COLUMN claim_id text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE notifier_delivery_jobs DROP COLUMN claim_id');
  }
}
