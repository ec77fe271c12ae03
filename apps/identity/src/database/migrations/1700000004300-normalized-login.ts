import { normalizeLogin } from '@lapse/shared/identity/login';
import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

const BACKFILL_BATCH = 5_000;

/**
 * Sign-ins look a login up by its normalized form (`normalizeLogin`: NFKC, full case folding, NFKC), the form
 * directory keeps unique, instead of `lower(login)`: `identity_credentials.login_normalized`, indexed in
 * place of `lower(login)`. Existing rows are backfilled with the same JavaScript function the projection
 * uses (PostgreSQL's `lower(normalize(login, NFKC))` differs, e.g. for `ß`).
 */
export class NormalizedLogin1700000004300 implements MigrationInterface {
  name = 'NormalizedLogin1700000004300';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_credentials ADD COLUMN login_normalized text');
    let after = '';
    for (;;) {
      const rows: { user_id: string; login: string }[] = await db.query(
        'SELECT user_id, login FROM identity_credentials WHERE user_id > $1 ORDER BY user_id LIMIT $2',
        [after, BACKFILL_BATCH],
      );
      if (rows.length === 0) break;
      await db.query(
        `UPDATE identity_credentials c SET login_normalized = s.login_normalized
           FROM unnest($1::text[], $2::text[]) AS s(user_id, login_normalized) WHERE c.user_id = s.user_id`,
        [rows.map((row) => row.user_id), rows.map((row) => normalizeLogin(row.login))],
      );
      after = rows[rows.length - 1].user_id;
    }
    await db.query('ALTER TABLE identity_credentials ALTER COLUMN login_normalized SET NOT NULL');
    await db.query('DROP INDEX identity_credentials_login');
    await db.query(
      'CREATE INDEX identity_credentials_login_normalized ON identity_credentials (login_normalized)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX identity_credentials_login_normalized');
    await db.query('ALTER TABLE identity_credentials DROP COLUMN login_normalized');
    await db.query('CREATE INDEX identity_credentials_login ON identity_credentials (lower(login))');
  }
}
