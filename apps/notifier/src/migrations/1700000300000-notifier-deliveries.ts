import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Notifier tables. Delivery jobs carry addresses but never a secret; the sealed envelope lives apart in
 * `notifier_sealed_passwords` and is deleted once viewed, sent inline, failed or expired; reveal links
 * keep only the SHA-256 of their token.
 */
export class NotifierDeliveries1700000300000 implements MigrationInterface {
  name = 'NotifierDeliveries1700000300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifier_delivery_jobs (
        job_id          text        PRIMARY KEY,
        kind            text        NOT NULL CHECK (kind IN ('TEMPORARY_PASSWORD', 'EXPIRY_NOTICE')),
        user_id         text        NOT NULL,
        channel         text        NOT NULL CHECK (channel IN ('EMAIL', 'VOICE')),
        mode            text        NOT NULL CHECK (mode IN ('LINK', 'INLINE', 'NOTICE')),
        recipient       text        NOT NULL,
        login           text,
        first_name      text,
        expires_at      timestamptz,
        status          text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
        attempts        integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error      text,
        correlation_id  text        NOT NULL,
        causation_id    text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX notifier_delivery_jobs_due ON notifier_delivery_jobs (next_attempt_at) WHERE status = 'PENDING'`,
    );
    await db.query(`
      CREATE TABLE notifier_sealed_passwords (
        delivery_id text        PRIMARY KEY,
        user_id     text        NOT NULL,
        sealed      text        NOT NULL,
        expires_at  timestamptz NOT NULL
      )`);
    await db.query('CREATE INDEX notifier_sealed_passwords_expiry ON notifier_sealed_passwords (expires_at)');
    await db.query(`
      CREATE TABLE notifier_reveal_links (
        token_sha256 text        PRIMARY KEY,
        delivery_id  text        NOT NULL,
        expires_at   timestamptz NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        viewed_at    timestamptz
      )`);
    await db.query('CREATE INDEX notifier_reveal_links_delivery ON notifier_reveal_links (delivery_id)');
    await db.query(`
      CREATE TABLE notifier_contacts (
        user_id      text        PRIMARY KEY,
        login        text        NOT NULL,
        email        text,
        mobile_phone text,
        first_name   text,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'DROP TABLE notifier_contacts, notifier_reveal_links, notifier_sealed_passwords, notifier_delivery_jobs',
    );
  }
}
