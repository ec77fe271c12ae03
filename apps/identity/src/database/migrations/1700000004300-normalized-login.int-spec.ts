import { runMigrations } from '@lapse/shared/database/migrate';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { Client } from 'pg';
import { identityManifest } from '../../identity.manifest';

describe('migration 1700000004300 (normalized logins)', () => {
  it('backfills the normalized form of every login and indexes it in place of lower(login)', async () => {
    const migrations = identityManifest.migrations;
    const at = migrations.findIndex((migration) => migration.name === 'NormalizedLogin1700000004300');
    const url = await createTestDatabase(migrations.slice(0, at), 'identity');
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO identity_credentials (user_id, login, provider_type, provider_name, status, credential_version,
                                           password_expired, changed_at)
         SELECT u, l, 'OKTA', 'OKTA', 'ACTIVE', 1, false, now()
           FROM unnest($1::text[], $2::text[]) AS s(u, l)`,
        [
          ['u1', 'u2'],
          ['Åda@Example.com', 'STRAẞE@example.com'],
        ],
      );
      await runMigrations(url, migrations);
      const { rows } = await db.query(
        'SELECT user_id, login_normalized FROM identity_credentials ORDER BY user_id',
      );
      expect(rows).toEqual([
        { user_id: 'u1', login_normalized: 'åda@example.com' },
        { user_id: 'u2', login_normalized: 'strasse@example.com' },
      ]);
      const indexes = await db.query(
        `SELECT indexname FROM pg_indexes WHERE tablename = 'identity_credentials' ORDER BY indexname`,
      );
      expect(indexes.rows.map((row) => row.indexname)).toEqual([
        'identity_credentials_login_normalized',
        'identity_credentials_pkey',
      ]);
    } finally {
      await db.end();
    }
  });
});
