import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Admin roles held by users, projected inline from the user streams (`AdminRoleAssigned` / `AdminRoleRemoved`):
 * who may use the admin console, and whether a first super administrator still has to be created. Console
 * sessions live beside them (only a SHA-256 of the session id is stored), and the first-start setup code
 * (only its SHA-256, one row at most).
 */
export class AdminRoles1720000000100 implements MigrationInterface {
  name = 'AdminRoles1720000000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_admin_roles (
        role_id     text        PRIMARY KEY,
        user_id     uuid        NOT NULL,
        type        text        NOT NULL,
        assigned_at timestamptz NOT NULL,
        UNIQUE (user_id, type)
      )`);
    await db.query('CREATE INDEX directory_admin_roles_type ON directory_admin_roles (type)');
    await db.query(`
      CREATE TABLE directory_console_sessions (
        id_hash      bytea       PRIMARY KEY,
        user_id      uuid        NOT NULL,
        created_at   timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL
      )`);
    await db.query('CREATE INDEX directory_console_sessions_user ON directory_console_sessions (user_id)');
    await db.query(`
      CREATE TABLE directory_console_setup (
        id         int         PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        code_hash  bytea       NOT NULL,
        attempts   int         NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_console_setup');
    await db.query('DROP TABLE directory_console_sessions');
    await db.query('DROP TABLE directory_admin_roles');
  }
}
