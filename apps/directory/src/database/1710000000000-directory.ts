import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Directory read models and tables: the admin read model of users (also the login-uniqueness claim and
 * the folded state used by bulk expiry), admin tokens (SHA-256 hashes), the password policy, bulk jobs,
 * the audit log and temporary-password delivery records.
 */
export class Directory1710000000000 implements MigrationInterface {
  name = 'Directory1710000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_users (
        id                  uuid        PRIMARY KEY,
        login               text        NOT NULL,
        login_lower         text        NOT NULL,
        email               text,
        first_name          text,
        last_name           text,
        status              text        NOT NULL,
        provider_type       text        NOT NULL,
        created_at          timestamptz NOT NULL,
        last_updated        timestamptz NOT NULL,
        password_changed_at timestamptz,
        version             integer     NOT NULL,
        state               jsonb       NOT NULL,
        CONSTRAINT directory_users_login_key UNIQUE (login_lower)
      )`);
    await db.query('CREATE INDEX directory_users_status ON directory_users (status, id)');
    await db.query('CREATE INDEX directory_users_provider ON directory_users (provider_type, id)');
    await db.query('CREATE INDEX directory_users_last_updated ON directory_users (last_updated)');
    await db.query(`
      CREATE TABLE directory_admin_tokens (
        id          uuid        PRIMARY KEY,
        name        text        NOT NULL,
        role        text        NOT NULL,
        token_hash  bytea       NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  text        NOT NULL,
        revoked_at  timestamptz
      )`);
    await db.query(`
      CREATE TABLE directory_settings (
        name        text        PRIMARY KEY,
        value       jsonb       NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        updated_by  text        NOT NULL
      )`);
    await db.query(`
      CREATE TABLE directory_bulk_jobs (
        id            uuid        PRIMARY KEY,
        status        text        NOT NULL,
        cutoff        timestamptz NOT NULL,
        providers     text[]      NOT NULL,
        reason        text,
        total         integer     NOT NULL,
        expired       integer     NOT NULL DEFAULT 0,
        skipped       integer     NOT NULL DEFAULT 0,
        checkpoint    uuid,
        actor         text        NOT NULL,
        correlation_id text       NOT NULL,
        created_at    timestamptz NOT NULL,
        completed_at  timestamptz
      )`);
    await db.query(`
      CREATE TABLE directory_audit_log (
        id             uuid        PRIMARY KEY,
        seq            bigserial   UNIQUE,
        published      timestamptz NOT NULL,
        event_type     text        NOT NULL,
        actor_id       text        NOT NULL,
        actor_type     text        NOT NULL,
        actor_name     text,
        target_id      text,
        target_type    text,
        target_name    text,
        outcome        text        NOT NULL,
        reason         text,
        correlation_id text        NOT NULL,
        display_message text       NOT NULL,
        debug_data     jsonb       NOT NULL DEFAULT '{}'::jsonb
      )`);
    await db.query('CREATE INDEX directory_audit_log_published ON directory_audit_log (published, seq)');
    await db.query('CREATE INDEX directory_audit_log_target ON directory_audit_log (target_id, seq)');
    await db.query(`
      CREATE TABLE directory_temp_password_deliveries (
        delivery_id  uuid        PRIMARY KEY,
        user_id      uuid        NOT NULL,
        requested_channel text,
        status       text        NOT NULL,
        channel      text,
        reason       text,
        attempts     integer,
        updated_at   timestamptz NOT NULL
      )`);
    await db.query(
      'CREATE INDEX directory_temp_password_deliveries_user ON directory_temp_password_deliveries (user_id)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'DROP TABLE directory_temp_password_deliveries, directory_audit_log, directory_bulk_jobs, directory_settings, directory_admin_tokens, directory_users',
    );
  }
}
