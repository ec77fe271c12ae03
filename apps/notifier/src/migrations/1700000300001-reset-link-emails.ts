import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Reset-link emails: a delivery job of kind RESET_LINK, and the link sealed for the notifier kept apart in
 * `notifier_sealed_links` until it is sent, fails or expires (then deleted).
 */
export class ResetLinkEmails1700000300001 implements MigrationInterface {
  name = 'ResetLinkEmails1700000300001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notifier_delivery_jobs DROP CONSTRAINT notifier_delivery_jobs_kind_check,
        ADD CONSTRAINT notifier_delivery_jobs_kind_check
          CHECK (kind IN ('TEMPORARY_PASSWORD', 'EXPIRY_NOTICE', 'RESET_LINK'))`);
    await db.query(`
      CREATE TABLE notifier_sealed_links (
        delivery_id text        PRIMARY KEY,
        user_id     text        NOT NULL,
        sealed      text        NOT NULL,
        expires_at  timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE notifier_sealed_links');
    await db.query(`
      ALTER TABLE notifier_delivery_jobs DROP CONSTRAINT notifier_delivery_jobs_kind_check,
        ADD CONSTRAINT notifier_delivery_jobs_kind_check CHECK (kind IN ('TEMPORARY_PASSWORD', 'EXPIRY_NOTICE'))`);
  }
}
