import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { queryRows } from '../testing/test-database';
import { createDatabase } from './create-database';
import { runMigrations, SHARED_MIGRATIONS } from './migrate';
import type { MigrationInterface, QueryRunner } from './migration';

/** A database nothing has migrated yet; returns its URL. */
async function blankDatabase(): Promise<string> {
  const adminUrl = process.env.LAPSE_TEST_ADMIN_URL as string;
  const name = `migrate_${randomBytes(6).toString('hex')}`;
  await createDatabase(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function execute(url: string, sql: string): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

/** Each `up` adds a row to `steps`; a second run of the same migration fails on its primary key. */
class CreateSteps1800000000001 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'CREATE TABLE steps (name text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())',
    );
    await db.query("INSERT INTO steps (name) VALUES ('CreateSteps')");
  }
  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE steps');
  }
}

class SecondStep1800000000002 implements MigrationInterface {
  name = 'SecondStep1800000000002';
  async up(db: QueryRunner): Promise<void> {
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM steps');
    await db.query('INSERT INTO steps (name) VALUES ($1)', [`SecondStep after ${rows[0].n}`]);
  }
  async down(): Promise<void> {}
}

/** Changes the schema, then fails: neither the change nor its row may stay. */
class FailingStep1800000000003 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE steps ADD COLUMN half_applied text');
    await db.query("INSERT INTO steps (name) VALUES ('FailingStep')");
    throw new Error('FailingStep1800000000003 refuses: two rows hold the same login');
  }
  async down(): Promise<void> {}
}

class Undated implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE TABLE undated (id int)');
  }
  async down(): Promise<void> {}
}

const ran = (url: string) =>
  queryRows<{ timestamp: string; name: string }>(
    url,
    'SELECT "timestamp", name FROM lapse_migrations ORDER BY id',
  );

describe('runMigrations', () => {
  it("runs a database's missing migrations oldest first, each once, and records each", async () => {
    const url = await blankDatabase();
    // Listed out of order: the timestamp at the end of the name decides.
    await runMigrations(url, [SecondStep1800000000002, CreateSteps1800000000001]);
    expect(await queryRows(url, 'SELECT name FROM steps ORDER BY at')).toEqual([
      { name: 'CreateSteps' },
      { name: 'SecondStep after 1' },
    ]);
    const shared = SHARED_MIGRATIONS.map((Migration) => Migration.name);
    expect(await ran(url)).toEqual([
      ...shared.map((name) => ({ timestamp: name.slice(-13), name })),
      { timestamp: '1800000000001', name: 'CreateSteps1800000000001' },
      { timestamp: '1800000000002', name: 'SecondStep1800000000002' },
    ]);
    // The shared migrations made the event store.
    expect(await queryRows(url, "SELECT to_regclass('lapse_events') IS NOT NULL AS made")).toEqual([
      { made: true },
    ]);

    // Every start runs them again: nothing is run twice (CreateSteps would fail on its table).
    await runMigrations(url, [CreateSteps1800000000001, SecondStep1800000000002]);
    expect(await queryRows(url, 'SELECT count(*)::int AS n FROM steps')).toEqual([{ n: 2 }]);
    expect(await ran(url)).toHaveLength(shared.length + 2);
  });

  it('carries on from a database TypeORM migrated, running only what it had not', async () => {
    const url = await blankDatabase();
    // The table and rows as TypeORM 0.3 wrote them (PostgresQueryRunner.createTable, insertExecutedMigration).
    await execute(
      url,
      `CREATE TABLE "lapse_migrations" ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL,
         "name" character varying NOT NULL, CONSTRAINT "PK_efcfd0264cea28116f3185799e5" PRIMARY KEY ("id"));
       CREATE TABLE steps (name text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp());
       INSERT INTO steps (name) VALUES ('CreateSteps by TypeORM');`,
    );
    await runMigrations(url, []);
    await execute(
      url,
      `INSERT INTO "lapse_migrations"("timestamp", "name") VALUES (1800000000001, 'CreateSteps1800000000001')`,
    );

    await runMigrations(url, [CreateSteps1800000000001, SecondStep1800000000002]);
    expect(await queryRows(url, 'SELECT name FROM steps ORDER BY at')).toEqual([
      { name: 'CreateSteps by TypeORM' },
      { name: 'SecondStep after 1' },
    ]);
    expect((await ran(url)).slice(-2).map((row) => row.name)).toEqual([
      'CreateSteps1800000000001',
      'SecondStep1800000000002',
    ]);
  });

  it('rolls a failing migration back whole, keeps the ones before it, and fails the start with its error', async () => {
    const url = await blankDatabase();
    await expect(
      runMigrations(url, [CreateSteps1800000000001, FailingStep1800000000003, SecondStep1800000000002]),
    ).rejects.toThrow('FailingStep1800000000003 refuses: two rows hold the same login');
    expect(await queryRows(url, 'SELECT name FROM steps ORDER BY at')).toEqual([
      { name: 'CreateSteps' },
      { name: 'SecondStep after 1' },
    ]);
    expect(
      await queryRows(
        url,
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'steps' AND column_name = 'half_applied'",
      ),
    ).toEqual([{ n: 0 }]);
    expect((await ran(url)).map((row) => row.name)).not.toContain('FailingStep1800000000003');

    // The next start tries it again, from a clean state, and fails the same way.
    await expect(runMigrations(url, [CreateSteps1800000000001, FailingStep1800000000003])).rejects.toThrow(
      'two rows hold the same login',
    );
  });

  it('runs each migration once when several processes start together', async () => {
    const url = await blankDatabase();
    await Promise.all(
      [1, 2, 3, 4].map(() => runMigrations(url, [CreateSteps1800000000001, SecondStep1800000000002])),
    );
    expect(await queryRows(url, 'SELECT name FROM steps ORDER BY at')).toEqual([
      { name: 'CreateSteps' },
      { name: 'SecondStep after 1' },
    ]);
    expect(await ran(url)).toHaveLength(SHARED_MIGRATIONS.length + 2);
  });

  it('refuses a migration whose name does not end in a timestamp, before running anything', async () => {
    const url = await blankDatabase();
    await expect(runMigrations(url, [CreateSteps1800000000001, Undated])).rejects.toThrow(
      'Migration Undated: its name must end in a 13-digit JavaScript timestamp.',
    );
    expect(await queryRows(url, "SELECT to_regclass('lapse_migrations') IS NULL AS none")).toEqual([
      { none: true },
    ]);
  });
});
