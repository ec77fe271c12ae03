import { randomBytes } from 'node:crypto';
import { createDatabase } from '../database/create-database';
import { Client } from 'pg';
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

/** For specs: the rows of one query, on a connection of its own that is closed again. */
export async function queryRows<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}
