import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../database/embedded-postgres';

/**
 * Starts one real PostgreSQL server for the whole test run (or uses `TEST_DATABASE_URL` when set).
 * Each test file then creates its own database with `createTestDatabase`, so files never share state.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.LAPSE_TEST_ADMIN_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'lapse-test-pg-'));
  const server = await startEmbeddedPostgres({ dir, persistent: false, fast: true });
  process.env.LAPSE_TEST_ADMIN_URL = server.url();
  (globalThis as { __LAPSE_PG__?: { stop(): Promise<void> } }).__LAPSE_PG__ = server;
}
