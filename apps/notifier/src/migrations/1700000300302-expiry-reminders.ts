import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Reminders before a password reaches the policy's maximum age (`notices/`):
 * - `notifier_password_ages`: each user's password-change time, provider, status and exemption, from
 *   directory's published events; the partial index holds exactly the users a reminder can go to, so a
 *   scan reads the range of passwords inside the warning window and nothing else;
 * - `notifier_password_policy`: the policy's age settings from PasswordPolicyUpdated (one row);
 * - delivery jobs of kind EXPIRY_REMINDER (one per user, password-change time and channel: the job id).
 */
export class ExpiryReminders1700000300302 implements MigrationInterface {
  name = 'ExpiryReminders1700000300302';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifier_password_ages (
        user_id             text        PRIMARY KEY,
        provider_type       text        NOT NULL,
        status              text        NOT NULL,
        password_changed_at timestamptz,
        exempt              boolean     NOT NULL DEFAULT false,
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE INDEX notifier_password_ages_remindable ON notifier_password_ages (password_changed_at)
       WHERE status = 'ACTIVE' AND NOT exempt AND provider_type IN ('OKTA', 'IMPORT')`);
    await db.query(`
      CREATE TABLE notifier_password_policy (
        id               text        PRIMARY KEY CHECK (id = 'password'),
        max_age_days     integer     NOT NULL,
        expire_warn_days integer     NOT NULL,
        updated_at       timestamptz NOT NULL
      )`);
    await db.query(`
      ALTER TABLE notifier_delivery_jobs DROP CONSTRAINT notifier_delivery_jobs_kind_check,
        ADD CONSTRAINT notifier_delivery_jobs_kind_check
          CHECK (kind IN ('TEMPORARY_PASSWORD', 'EXPIRY_NOTICE', 'RESET_LINK', 'EXPIRY_REMINDER'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM notifier_delivery_jobs WHERE kind = 'EXPIRY_REMINDER'`);
    await db.query(`
      ALTER TABLE notifier_delivery_jobs DROP CONSTRAINT notifier_delivery_jobs_kind_check,
        ADD CONSTRAINT notifier_delivery_jobs_kind_check
          CHECK (kind IN ('TEMPORARY_PASSWORD', 'EXPIRY_NOTICE', 'RESET_LINK'))`);
    await db.query('DROP TABLE notifier_password_policy, notifier_password_ages');
  }
}
