import { randomUUID } from 'node:crypto';
import { Decide, directCommandBus, EventStoreProvider } from '@lapse/shared';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createPool } from '@lapse/shared/database/pg';
import type { Pool } from 'pg';
import { insertJob, insertSlices, sliceRanges } from '../../../apps/directory/src/bulk-expiry/bulk-jobs';
import { BulkExpiryWorker, previousUuid } from '../../../apps/directory/src/bulk-expiry/bulk-expiry.worker';
import {
  bulkJobDecider,
  bulkJobStreamId,
} from '../../../apps/directory/src/bulk-expiry/domain/bulk-job.decider';
import { expireBatchFromReadModel } from '../../../apps/directory/src/user/expire-in-bulk/expire-in-bulk.batch';
import { compileFilter } from '../../../apps/directory/src/common/filter-expression';
import { directoryManifest } from '../../../apps/directory/src/directory.manifest';
import { userDecider } from '../../../apps/directory/src/user/domain/user.decider';
import { directoryUsersProjection } from '../../../apps/directory/src/user/read-models/user.inline-projections';
import {
  firstUsersByIdSql,
  USERS_VIEW,
} from '../../../apps/directory/src/user/read-models/directory-users.projection';
import type { BenchArgs } from './cli';
import type { BenchFlags } from './flags';
import { postmasterPid, round, startBenchInfra } from './infra';
import { explainBatchStatement, measure, type PlanNode } from './postgres-cost';
import { seedImportedUsers } from './seed-users';

/**
 * `npm run bench -- fanout-statement [--users N] [--batch B] [--concurrency C] [--json FILE]`: what the bulk
 * expiry's fan-out costs directory's PostgreSQL per user, without the relay, Kafka or identity competing
 * (issue #3). N OKTA and N/10 ACTIVE_DIRECTORY users are seeded as the import path writes them (decider,
 * read model, event log), a CHECKPOINT follows (so the fan-out pays the full-page writes it would pay in
 * production), then the real `BulkExpiryWorker` runs one job over the OKTA users. Figures:
 * - postgresCpuUsPerUser: CPU of every PostgreSQL process of the server (backends, WAL writer,
 *   checkpointer, autovacuum; /proc) from the job's start to its end (its completion, which analyzes the
 *   side table `directory_bulk_expired`, included), per expired user;
 * - walBytesPerUser: WAL written meanwhile, per expired user;
 * - firstBatch: EXPLAIN (ANALYZE, BUFFERS, WAL) of one batch statement (rolled back) before the job: the
 *   second slice's first, bounded on both sides as the worker runs it; `usersScan` is its walk over the users;
 * - searchMs: the admin search `status eq "PASSWORD_EXPIRED"` (first 200, by id),
 *   `status eq "ACTIVE"` and AD-and-expired after the job, as the list endpoint runs them
 *   (`firstUsersByIdSql`), best of 5.
 */
export const summary = "what the bulk expiry's fan-out costs directory's PostgreSQL per user";

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  users: { value: 'N', default: '100000', description: 'OKTA users to seed and expire (plus N/10 AD users)' },
  batch: { value: 'B', default: '2500', description: 'users per batch statement' },
  concurrency: { value: 'C', default: '4', description: 'batches in flight' },
};

export async function run(args: BenchArgs): Promise<object> {
  const users = Number(args.users ?? 100_000);
  const batch = Number(args.batch ?? 2500);
  const concurrency = Number(args.concurrency ?? 4);
  const infra = await startBenchInfra();
  try {
    const url = await infra.database('bench_fanout_statement');
    await runMigrations(url, directoryManifest.migrations);
    const pool = createPool(url, concurrency + 2);
    try {
      const postmaster = await postmasterPid(pool);
      const seedStarted = performance.now();
      await seed(pool, users, 'OKTA');
      await seed(pool, Math.floor(users / 10), 'ACTIVE_DIRECTORY');
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      await pool.query('CHECKPOINT');

      const cutoff = new Date().toISOString();
      const firstBatch = await explainFirstBatch(pool, cutoff, batch, concurrency);

      const jobId = randomUUID();
      const clock = { now: () => new Date() };
      const ids = { next: () => randomUUID() };
      const events = new EventStoreProvider(pool, clock, ids);
      events.commands.registerProjections(userDecider, [directoryUsersProjection]);
      const commandBus = directCommandBus(events);
      // Started as the service starts it (bulk-expiry.service.ts): the enforcing fact in the job's own stream,
      // which the worker's completion decides against, then the job's row and slices.
      await commandBus.execute(
        new Decide(
          bulkJobDecider,
          bulkJobStreamId(jobId),
          {
            type: 'StartBulkPasswordExpiry',
            jobId,
            cutoff,
            providers: ['OKTA'],
            total: users,
            reason: 'benchmark',
            at: cutoff,
          },
          { actor: 'bench-admin', correlationId: randomUUID(), occurredAt: cutoff },
          { newStream: true },
        ),
      );
      await insertJob(pool, {
        id: jobId,
        status: 'RUNNING',
        cutoff,
        providers: ['OKTA'],
        reason: 'benchmark',
        total: users,
        expired: 0,
        skipped: 0,
        checkpoint: null,
        actor: 'bench-admin',
        correlationId: randomUUID(),
        createdAt: cutoff,
        completedAt: null,
      });
      await insertSlices(pool, jobId, concurrency);
      const worker = new BulkExpiryWorker(
        events,
        commandBus,
        { bulkExpiryWorker: true, bulkExpiryBatchSize: batch, bulkExpiryConcurrency: concurrency } as never,
        clock,
        { info: () => undefined, error: (...a: unknown[]) => console.error(...a) } as never,
        // The job is started without a fact to wait for: nothing relays this log.
        { whenPublished: async () => true },
      );

      const { seconds, cpu, wal } = await measure(pool, postmaster, async () => {
        worker.start(jobId);
        await worker.settled(jobId);
      });
      const { rows } = await pool.query<{ status: string; expired: number }>(
        'SELECT status, expired FROM directory_bulk_jobs WHERE id = $1',
        [jobId],
      );
      const expired = rows[0].expired;
      if (rows[0].status !== 'COMPLETED' || expired !== users)
        throw new Error(`job ended ${rows[0].status} with ${expired} of ${users} expired`);
      const { rows: statuses } = await pool.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM ${USERS_VIEW} GROUP BY status ORDER BY status`,
      );
      return {
        users,
        batch,
        concurrency,
        seedSeconds: round(seedSeconds),
        fanoutSeconds: round(seconds),
        fanoutUsersPerSec: Math.round(expired / seconds),
        postgresCpuSeconds: round(cpu),
        postgresCpuUsPerUser: round((cpu * 1e6) / expired, 1),
        walBytesPerUser: Math.round(wal / expired),
        firstBatch,
        statusesAfter: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
        searchMs: {
          passwordExpired: await searchMs(pool, 'status eq "PASSWORD_EXPIRED"'),
          active: await searchMs(pool, 'status eq "ACTIVE"'),
          activeDirectoryAndExpired: await searchMs(
            pool,
            'credentials.provider.type eq "ACTIVE_DIRECTORY" and status eq "PASSWORD_EXPIRED"',
          ),
        },
        cores: (await import('node:os')).cpus().length,
      };
    } finally {
      await pool.end();
    }
  } finally {
    await infra.close();
  }
}

/** Active users as the import path writes them, their passwords set a day ago. */
async function seed(pool: Pool, count: number, provider: 'OKTA' | 'ACTIVE_DIRECTORY'): Promise<void> {
  const passwordChangedAt = new Date(Date.now() - 86_400_000).toISOString();
  await seedImportedUsers(pool, count, new Date().toISOString(), (i, run) => ({
    login: `${provider.toLowerCase()}-${i}-${run}@bench.example`,
    provider,
    passwordChangedAt,
  }));
}

/** EXPLAIN (ANALYZE, BUFFERS, WAL) of a slice's first batch statement, rolled back. */
async function explainFirstBatch(pool: Pool, cutoff: string, limit: number, slices: number): Promise<object> {
  // The second slice's first batch when there is one, bounded on both sides as the worker runs it.
  const range = sliceRanges(slices)[slices > 1 ? 1 : 0];
  const top = await explainBatchStatement(
    pool,
    [{ examined: 0, last_id: null, expired: 0, appended: 0, conflicted: [] }],
    (explaining) =>
      expireBatchFromReadModel(explaining, {
        jobId: randomUUID(),
        cutoff,
        providers: ['OKTA'],
        reason: 'benchmark',
        actor: 'bench-admin',
        correlationId: randomUUID(),
        now: cutoff,
        after: previousUuid(range.low),
        before: range.high,
        limit,
      }),
  );
  if (!top) return {};
  return {
    executionMs: round(top['Execution Time']),
    sharedHitBlocks: top.Plan['Shared Hit Blocks'],
    sharedReadBlocks: top.Plan['Shared Read Blocks'],
    sharedDirtiedBlocks: top.Plan['Shared Dirtied Blocks'],
    walRecords: top.Plan['WAL Records'],
    walFpi: top.Plan['WAL FPI'],
    walBytes: top.Plan['WAL Bytes'],
    usersScan: usersScan(top.Plan),
  };
}

/** The nodes of the batch's walk over the users (CTE next_users), outermost first, with the rows each gave. */
function usersScan(plan: PlanNode): string[] {
  const cte = (plan.Plans ?? []).find((node) => node['Subplan Name'] === 'CTE next_users');
  const nodes: string[] = [];
  for (let node = cte; node; node = node.Plans?.[0])
    nodes.push(
      `${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}: ${node['Actual Rows']} rows`,
    );
  return nodes;
}

/** The list endpoint's query for a filter (first 200 by id), best of 5 (ms, EXPLAIN ANALYZE). */
async function searchMs(pool: Pool, filter: string): Promise<number> {
  const { USER_FIELDS } = await import(
    '../../../apps/directory/src/user/list-users/list-users.http.controller'
  );
  const compiled = compileFilter(filter, USER_FIELDS, 1, 'search');
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const { rows } = await pool.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${firstUsersByIdSql('id, state', compiled.sql, '201')}`,
      compiled.params,
    );
    best = Math.min(best, rows[0]['QUERY PLAN'][0]['Execution Time']);
  }
  return round(best);
}
