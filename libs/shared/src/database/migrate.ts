import { Client } from 'pg';
import type { MigrationInterface } from './migration';
import { EventStore1700000000000 } from './migrations/1700000000000-event-store';
import { InboxPruning1795000000000 } from './migrations/1795000000000-inbox-pruning';
import { EventLogPrimaryKey1796000000000 } from './migrations/1796000000000-event-log-primary-key';

const MIGRATION_LOCK = 7_400_001;

export type MigrationClass = new () => MigrationInterface;

export const SHARED_MIGRATIONS: readonly MigrationClass[] = [
  EventStore1700000000000,
  InboxPruning1795000000000,
  EventLogPrimaryKey1796000000000,
];

/**
 * Runs the shared migrations and the given modules' migrations (each service passes its own) that the
 * database has not run yet, oldest timestamp first, each in its own transaction with its row in
 * `lapse_migrations` (the table TypeORM kept before ADR 11; same columns, so a database it migrated carries
 * on). A migration that fails rolls back alone and fails the start; those before it stay. Safe to run at
 * every start and from several processes: an advisory lock serialises them.
 *
 * Our own runner rather than TypeORM's (ADR 11): TypeORM ran nothing else, and loading it kept 350 modules in
 * every process's heap for the life of the process.
 */
export async function runMigrations(url: string, migrations: readonly MigrationClass[]): Promise<void> {
  const ordered = [...new Set([...SHARED_MIGRATIONS, ...migrations])]
    .map((Migration) => {
      const instance = new Migration();
      const name = instance.name ?? Migration.name;
      const timestamp = Number(name.slice(-13));
      if (!/\d{13}$/.test(name)) {
        throw new Error(`Migration ${name}: its name must end in a 13-digit JavaScript timestamp.`);
      }
      return { instance, name, timestamp };
    })
    .sort((a, b) => a.timestamp - b.timestamp);
  const db = new Client({ connectionString: url });
  // Its backend ending while migrations run fails the start (the next query rejects), not the process at once.
  db.on('error', () => undefined);
  await db.connect();
  try {
    await db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await db.query(
      `CREATE TABLE IF NOT EXISTS lapse_migrations (
         id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name character varying NOT NULL)`,
    );
    const { rows } = await db.query<{ name: string }>('SELECT name FROM lapse_migrations');
    const done = new Set(rows.map((row) => row.name));
    const runner = {
      query: async <Row>(sql: string, parameters?: readonly unknown[]) =>
        (await db.query(sql, parameters as unknown[])).rows as Row[],
    };
    for (const { instance, name, timestamp } of ordered) {
      if (done.has(name)) continue;
      await db.query('BEGIN');
      try {
        await instance.up(runner);
        await db.query('INSERT INTO lapse_migrations ("timestamp", name) VALUES ($1, $2)', [timestamp, name]);
        await db.query('COMMIT');
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    // Ending the session releases the advisory lock.
    await db.end();
  }
}
