import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
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
 * Runs the shared migrations and the given modules' migrations (each service passes its own) in one
 * TypeORM migrations table. Safe to run at every start and from several processes: an advisory lock serialises them.
 */
export async function runMigrations(url: string, migrations: readonly MigrationClass[]): Promise<void> {
  const unique = [...new Set([...SHARED_MIGRATIONS, ...migrations])];
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: unique as MigrationClass[],
    migrationsTableName: 'lapse_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
  });
  const lock = new Client({ connectionString: url });
  // Its backend ending while migrations run fails the start (the unlock rejects), not the process at once.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.end();
  }
}
