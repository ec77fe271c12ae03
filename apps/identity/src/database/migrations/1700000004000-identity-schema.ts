import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Identity's own tables: the credential-state projection fed by directory events (credentials, bulk
 * cutoffs, last known policy), lockout counters, sign-in transactions, session tokens and sessions.
 * Tokens and session ids are stored only as SHA-256 digests.
 */
export class IdentitySchema1700000004000 implements MigrationInterface {
  name = 'IdentitySchema1700000004000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE identity_credentials (
        user_id             text        PRIMARY KEY,
        login               text        NOT NULL,
        provider_type       text        NOT NULL,
        provider_name       text        NOT NULL,
        status              text        NOT NULL,
        credential_version  integer     NOT NULL,
        password_hash       text,
        password_changed_at timestamptz,
        password_expired    boolean     NOT NULL,
        one_time_expires_at timestamptz,
        expired_at          timestamptz,
        changed_at          timestamptz NOT NULL,
        applied_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX identity_credentials_login ON identity_credentials (lower(login))');
    await db.query(`
      CREATE TABLE identity_bulk_cutoffs (
        job_id     text          PRIMARY KEY,
        cutoff     timestamptz   NOT NULL,
        providers  text[]        NOT NULL,
        started_at timestamptz   NOT NULL,
        applied_at timestamptz   NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE identity_password_policy (
        id         smallint    PRIMARY KEY CHECK (id = 1),
        policy     jsonb       NOT NULL,
        fetched_at timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE identity_lockouts (
        user_id         text        PRIMARY KEY,
        failed_attempts integer     NOT NULL DEFAULT 0,
        last_failed_at  timestamptz,
        locked_at       timestamptz
      )`);
    await db.query(`
      CREATE TABLE identity_transactions (
        state_token_hash   text        PRIMARY KEY,
        user_id            text        NOT NULL,
        status             text        NOT NULL,
        credential_version integer     NOT NULL,
        created_at         timestamptz NOT NULL,
        expires_at         timestamptz NOT NULL,
        ended_at           timestamptz
      )`);
    await db.query('CREATE INDEX identity_transactions_user ON identity_transactions (user_id)');
    await db.query(`
      CREATE TABLE identity_session_tokens (
        token_hash         text        PRIMARY KEY,
        user_id            text        NOT NULL,
        credential_version integer     NOT NULL,
        password_verified_at timestamptz NOT NULL,
        created_at         timestamptz NOT NULL,
        expires_at         timestamptz NOT NULL,
        used_at            timestamptz
      )`);
    await db.query('CREATE INDEX identity_session_tokens_user ON identity_session_tokens (user_id)');
    await db.query(`
      CREATE TABLE identity_sessions (
        id_hash                    text        PRIMARY KEY,
        user_id                    text        NOT NULL,
        login                      text        NOT NULL,
        credential_version         integer     NOT NULL,
        created_at                 timestamptz NOT NULL,
        expires_at                 timestamptz NOT NULL,
        last_password_verification timestamptz NOT NULL,
        ended_at                   timestamptz,
        ended_reason               text
      )`);
    await db.query(
      'CREATE INDEX identity_sessions_user ON identity_sessions (user_id) WHERE ended_at IS NULL',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP TABLE identity_sessions, identity_session_tokens, identity_transactions, identity_lockouts,
        identity_password_policy, identity_bulk_cutoffs, identity_credentials`,
    );
  }
}
