import { Client } from 'pg';
import { DEFAULT_SHARED_BUFFERS_MB } from './embedded-postgres';

// The server every test shares is started by `startEmbeddedPostgres` with its defaults (testing/global-setup.ts),
// outside jest's module system (the `embedded-postgres` package is ESM-only and cannot be loaded in a test).
// With TEST_DATABASE_URL the tests use an external server instead, whose settings are its operator's.
const ownServer = process.env.TEST_DATABASE_URL === undefined;

describe('the embedded PostgreSQL server', () => {
  (ownServer ? it : it.skip)('runs with 512 MB of shared buffers unless told otherwise', async () => {
    const client = new Client({ connectionString: process.env.LAPSE_TEST_ADMIN_URL });
    await client.connect();
    try {
      const { rows } = await client.query('SHOW shared_buffers');
      expect(rows[0].shared_buffers).toBe(`${DEFAULT_SHARED_BUFFERS_MB}MB`);
      expect(DEFAULT_SHARED_BUFFERS_MB).toBe(512);
    } finally {
      await client.end();
    }
  });
});
