import { randomUUID } from 'node:crypto';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { Client } from 'pg';
import { DIRECTORY_MIGRATIONS } from './directory.migrations';

const READ = `SELECT status, version, last_updated, state FROM directory_users_current WHERE id = $1`;

describe('migration 1710000000004 (bulk expiries in a side table)', () => {
  it('moves an expiry pending in directory_users to directory_bulk_expired, and readers see the same user', async () => {
    const url = await createTestDatabase(DIRECTORY_MIGRATIONS.slice(0, 4), 'directory');
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      const [userId, jobId] = [randomUUID(), randomUUID()];
      const before = '2025-01-01T00:00:00.000Z';
      const state = {
        userId,
        status: 'RECOVERY',
        statusChangedAt: before,
        activatedAt: before,
        lastUpdatedAt: before,
        profile: { login: 'ada@example.com' },
        provider: { type: 'OKTA', name: 'OKTA' },
        recovery: { tokenHash: 'abc', expiresAt: '2025-01-02T00:00:00.000Z' },
      };
      await db.query(
        `INSERT INTO directory_bulk_jobs (id, status, cutoff, providers, reason, total, actor, correlation_id, created_at)
         VALUES ($1, 'COMPLETED', '2025-06-01T00:00:00Z', '{OKTA}', 'leak', 1, 'admin', 'c', now())`,
        [jobId],
      );
      // As the fan-out of migration 1710000000003 left it: narrow columns expired, state as before.
      await db.query(
        `INSERT INTO directory_users (id, login, login_lower, status, provider_type, created_at, last_updated,
                                      version, state, bulk_expiry_job)
         VALUES ($1, 'ada@example.com', 'ada@example.com', 'PASSWORD_EXPIRED', 'OKTA', $2, '2025-06-01T00:00:00Z',
                 4, $3, $4)`,
        [userId, before, state, jobId],
      );
      const read = (await db.query(READ, [userId])).rows[0];
      expect(read).toMatchObject({ status: 'PASSWORD_EXPIRED', version: 4 });
      expect(read.state).toMatchObject({ status: 'PASSWORD_EXPIRED', expiry: { cause: 'BULK', jobId } });

      await runMigrations(url, DIRECTORY_MIGRATIONS);

      expect((await db.query(READ, [userId])).rows[0]).toEqual(read);
      const stored = (
        await db.query('SELECT status, version, last_updated FROM directory_users WHERE id = $1', [userId])
      ).rows[0];
      expect(stored).toEqual({ status: 'RECOVERY', version: 3, last_updated: new Date(before) });
      const side = (await db.query('SELECT * FROM directory_bulk_expired WHERE user_id = $1', [userId])).rows;
      expect(side).toEqual([
        { user_id: userId, job_id: jobId, version: 4, status: 'PASSWORD_EXPIRED', provider_type: 'OKTA' },
      ]);
    } finally {
      await db.end();
    }
  });
});
