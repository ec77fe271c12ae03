import { randomBytes } from 'node:crypto';
import { createDatabase } from '../database/create-database';
import { type MigrationClass, runMigrations } from '../database/migrate';

/** A fresh, migrated database on the test run's PostgreSQL server; returns its URL. */
export async function createTestDatabase(
  migrations: readonly MigrationClass[] = [],
  prefix = 'test',
): Promise<string> {
  const adminUrl = process.env.LAPSE_TEST_ADMIN_URL;
  if (!adminUrl)
    throw new Error(
      'LAPSE_TEST_ADMIN_URL is not set: run this spec through jest (global setup starts PostgreSQL)',
    );
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await createDatabase(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString(), migrations);
  return url.toString();
}
