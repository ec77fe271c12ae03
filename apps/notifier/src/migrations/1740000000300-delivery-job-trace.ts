import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * `notifier_delivery_jobs.traceparent`: the trace context of the consumer span that recorded the job (only
 * while tracing is on), so the worker that sends it later, in another transaction, continues that trace.
 */
export class DeliveryJobTrace1740000000300 implements MigrationInterface {
  name = 'DeliveryJobTrace1740000000300';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE notifier_delivery_jobs ADD COLUMN traceparent text');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE notifier_delivery_jobs DROP COLUMN traceparent');
  }
}
