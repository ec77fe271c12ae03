import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * The admin console's setup codes, one row per code any directory instance (or `npm run
 * directory:setup-code`) printed while no super administrator exists: every one works until it is used, it
 * times out, or ten wrong codes were typed while it lived. Only a SHA-256 of each code is stored. Replaces
 * `directory_console_setup`, which held a single code (each start replaced the code the others printed); a
 * code it held carries over.
 */
export class ConsoleSetupCodes1750000000101 implements MigrationInterface {
  name = 'ConsoleSetupCodes1750000000101';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_console_setup_codes (
        code_hash  bytea       PRIMARY KEY,
        attempts   int         NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await db.query(`
      INSERT INTO directory_console_setup_codes (code_hash, attempts, created_at, expires_at)
      SELECT code_hash, attempts, created_at, created_at + interval '24 hours' FROM directory_console_setup`);
    await db.query('DROP TABLE directory_console_setup');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_console_setup (
        id         int         PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        code_hash  bytea       NOT NULL,
        attempts   int         NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL
      )`);
    await db.query(`
      INSERT INTO directory_console_setup (id, code_hash, attempts, created_at)
      SELECT 1, code_hash, attempts, created_at FROM directory_console_setup_codes
       ORDER BY created_at DESC LIMIT 1`);
    await db.query('DROP TABLE directory_console_setup_codes');
  }
}
