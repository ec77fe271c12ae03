import { randomUUID } from 'node:crypto';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { Client } from 'pg';
import { DIRECTORY_MIGRATIONS } from './directory.migrations';
import { NormalizedLogin1710000000005 } from './1710000000005-normalized-login';

const BEFORE = DIRECTORY_MIGRATIONS.slice(0, 5);

async function withDatabase(run: (db: Client, url: string) => Promise<void>): Promise<void> {
  const url = await createTestDatabase(BEFORE, 'directory');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await run(db, url);
  } finally {
    await db.end();
  }
}

/** A user row as the read model held it before migration 1710000000005 (login_lower). */
async function insertUser(db: Client, login: string): Promise<string> {
  const id = randomUUID();
  const at = '2025-01-01T00:00:00.000Z';
  await db.query(
    `INSERT INTO directory_users (id, login, login_lower, status, provider_type, created_at, last_updated, version, state)
     VALUES ($1, $2, lower($2), 'ACTIVE', 'OKTA', $3, $3, 1, $4)`,
    [
      id,
      login,
      at,
      { userId: id, status: 'ACTIVE', profile: { login }, provider: { type: 'OKTA', name: 'OKTA' } },
    ],
  );
  return id;
}

describe('migration 1710000000005 (normalized logins)', () => {
  it('backfills the normalized form of every login and keeps it unique', async () => {
    await withDatabase(async (db, url) => {
      const ada = await insertUser(db, 'Åda@Example.com');
      const sharp = await insertUser(db, 'Straße@example.com');
      await runMigrations(url, DIRECTORY_MIGRATIONS);
      const { rows } = await db.query(
        'SELECT id, login, login_normalized FROM directory_users_current ORDER BY login',
      );
      expect(rows).toEqual(
        expect.arrayContaining([
          { id: ada, login: 'Åda@Example.com', login_normalized: 'åda@example.com' },
          { id: sharp, login: 'Straße@example.com', login_normalized: 'strasse@example.com' },
        ]),
      );
      await expect(insertUserAfter(db, 'STRASSE@example.com')).rejects.toThrow(/directory_users_login_key/);
    });
  });

  it('stops, naming both users, when two existing logins become one', async () => {
    await withDatabase(async (db, url) => {
      const first = await insertUser(db, 'strasse@example.com');
      const second = await insertUser(db, 'straße@example.com');
      const failure = runMigrations(url, DIRECTORY_MIGRATIONS);
      await expect(failure).rejects.toThrow(/are now one login/);
      await expect(failure).rejects.toThrow(new RegExp(`${first}|${second}`));
      // Nothing half-applied: the old column and views are still there.
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM directory_users_current WHERE login_lower IS NOT NULL',
      );
      expect(rows[0].n).toBe(2);
    });
  });

  it('goes back down to lower-cased logins', async () => {
    await withDatabase(async (db, url) => {
      await insertUser(db, 'Åda@Example.com');
      await runMigrations(url, DIRECTORY_MIGRATIONS);
      await db.query('BEGIN');
      await new NormalizedLogin1710000000005().down({
        query: (sql: string, params?: unknown[]) => db.query(sql, params).then((r) => r.rows),
      } as never);
      await db.query('COMMIT');
      const { rows } = await db.query('SELECT login_lower FROM directory_users_current');
      expect(rows).toEqual([{ login_lower: 'åda@example.com' }]);
    });
  });
});

async function insertUserAfter(db: Client, login: string): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO directory_users (id, login, login_normalized, status, provider_type, created_at, last_updated, version, state)
     VALUES ($1, $2, $3, 'ACTIVE', 'OKTA', now(), now(), 1, '{}')`,
    [id, login, 'strasse@example.com'],
  );
}
