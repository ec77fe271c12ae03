import { randomUUID } from 'node:crypto';
import { EventStoreProvider, silentLogger } from '@lapse/shared';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createPool } from '@lapse/shared/database/pg';
import type { Pool } from 'pg';
import { directoryManifest } from '../../../apps/directory/src/directory.manifest';
import type { DirectoryConfig } from '../../../apps/directory/src/directory.config';
import { PasswordPolicyStore } from '../../../apps/directory/src/policy/password-policy.store';
import { ageExpiryReason } from '../../../apps/directory/src/user/domain/user.decider';
import { expireByAgeFromReadModel } from '../../../apps/directory/src/user/expire-by-age/expire-by-age.batch';
import { PasswordAgeSweeper } from '../../../apps/directory/src/user/expire-by-age/password-age.sweeper';
import type { BenchArgs } from './cli';
import type { BenchFlags } from './flags';
import { postmasterPid, round, startBenchInfra } from './infra';
import { explainBatchStatement, measure, type PlanNode } from './postgres-cost';
import { seedImportedUsers } from './seed-users';

const DAY_MS = 86_400_000;
const MAX_AGE_DAYS = 90;

/**
 * `npm run bench -- policy-sweep [--users N] [--expired-every K] [--batch B] [--json FILE]`: what the
 * age-expiry sweep (`apps/directory/src/user/expire-by-age/`) costs directory's PostgreSQL. N ACTIVE OKTA
 * users are seeded as the import path writes them (decider, read model, event log), their passwords changed
 * between 0 and 89 days ago except every K-th user's (default 20: 5 %), changed 91 to 120 days ago; the
 * policy's `maxAgeDays` is 90. After ANALYZE and a CHECKPOINT (so the sweep pays the full-page writes it
 * would pay in production), the real `PasswordAgeSweeper` runs once, then once more. Figures:
 * - sweep: time, CPU of every PostgreSQL process (/proc) and WAL written, in total and per expired user;
 * - emptySweep: the same for the second sweep, which finds nobody (its cost must not grow with N);
 * - firstBatch / emptyBatch: EXPLAIN (ANALYZE, BUFFERS, WAL) of one batch statement (rolled back) before
 *   the sweep and after it, with `targetsScan`, its walk over the users: an index range scan of
 *   `directory_users_password_age`, never a scan of the table.
 */
export const summary = "the age-expiry sweep's cost: per run, per expired user, and when it finds nobody";

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  users: { value: 'N', default: '1000000', description: 'ACTIVE OKTA users to seed' },
  'expired-every': {
    value: 'K',
    default: '20',
    description: "every K-th user's password is past maxAgeDays (90); the others are younger",
  },
  batch: { value: 'B', default: '1000', description: 'users the sweep expires per statement' },
};

export async function run(args: BenchArgs): Promise<object> {
  const users = Number(args.users ?? 1_000_000);
  const every = Number(args['expired-every'] ?? 20);
  const batch = Number(args.batch ?? 1000);
  const infra = await startBenchInfra();
  try {
    const url = await infra.database('bench_policy_sweep');
    await runMigrations(url, directoryManifest.migrations);
    const pool = createPool(url, 4);
    try {
      const postmaster = await postmasterPid(pool);
      const now = new Date();
      const seedStarted = performance.now();
      const expected = await seed(pool, users, every, now);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      await new PasswordPolicyStore(pool).update({ age: { maxAgeDays: MAX_AGE_DAYS } }, 'bench', pool);
      await pool.query('ANALYZE directory_users');
      await pool.query('CHECKPOINT');

      const clock = { now: () => now };
      const events = new EventStoreProvider(pool, clock, { next: () => randomUUID() });
      const sweeper = new PasswordAgeSweeper(
        events,
        new PasswordPolicyStore(pool),
        { policySweepIntervalSeconds: 0, policySweepBatchSize: batch } as DirectoryConfig,
        clock,
        silentLogger,
      );

      const firstBatch = await explainBatch(pool, now, batch);
      const sweep = await measure(pool, postmaster, () => sweeper.sweep(now));
      if (sweep.outcome.expired !== expected)
        throw new Error(
          `the sweep expired ${sweep.outcome.expired} of the ${expected} users past the maximum age`,
        );
      const emptyBatch = await explainBatch(pool, now, batch);
      const empty = await measure(pool, postmaster, () => sweeper.sweep(now));
      if (empty.outcome.expired !== 0) throw new Error(`the second sweep expired ${empty.outcome.expired}`);
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM lapse_events WHERE type = 'PasswordExpired' AND data->>'cause' = 'POLICY'`,
      );
      if (rows[0].n !== expected)
        throw new Error(`${rows[0].n} POLICY expiries recorded, ${expected} expected`);

      return {
        users,
        expiredUsers: expected,
        batch,
        seedSeconds: round(seedSeconds),
        sweep: {
          seconds: round(sweep.seconds, 3),
          batches: sweep.outcome.batches,
          usersPerSec: Math.round(expected / sweep.seconds),
          postgresCpuSeconds: round(sweep.cpu),
          walBytes: sweep.wal,
          postgresCpuUsPerExpiredUser: round((sweep.cpu * 1e6) / expected, 1),
          walBytesPerExpiredUser: Math.round(sweep.wal / expected),
          msPerExpiredUser: round((sweep.seconds * 1000) / expected, 4),
        },
        emptySweep: {
          ms: round(empty.seconds * 1000, 2),
          postgresCpuSeconds: round(empty.cpu),
          walBytes: empty.wal,
        },
        firstBatch,
        emptyBatch,
        cores: (await import('node:os')).cpus().length,
      };
    } finally {
      await pool.end();
    }
  } finally {
    await infra.close();
  }
}

/**
 * ACTIVE OKTA users as the import path writes them; every `every`-th user's password is past the maximum age
 * at `now`. Returns how many are.
 */
async function seed(pool: Pool, count: number, every: number, now: Date): Promise<number> {
  let old = 0;
  await seedImportedUsers(pool, count, now.toISOString(), (i, run) => {
    const isOld = i % every === 0;
    if (isOld) old++;
    const ageDays = isOld ? MAX_AGE_DAYS + 1 + (i % 30) : i % MAX_AGE_DAYS;
    return {
      login: `sweep-${i}-${run}@bench.example`,
      provider: 'OKTA',
      passwordChangedAt: new Date(now.getTime() - ageDays * DAY_MS - (i % 1000) * 1000).toISOString(),
    };
  });
  return old;
}

/** EXPLAIN (ANALYZE, BUFFERS, WAL) of one batch statement at `now`, rolled back. */
async function explainBatch(pool: Pool, now: Date, limit: number): Promise<object> {
  const top = await explainBatchStatement(pool, [{ candidates: 0, expired: 0 }], (explaining) =>
    expireByAgeFromReadModel(explaining, {
      cutoff: new Date(now.getTime() - MAX_AGE_DAYS * DAY_MS).toISOString(),
      maxAgeDays: MAX_AGE_DAYS,
      now: now.toISOString(),
      reason: ageExpiryReason(MAX_AGE_DAYS),
      correlationId: randomUUID(),
      limit,
    }),
  );
  if (!top) return {};
  return {
    executionMs: round(top['Execution Time']),
    sharedHitBlocks: top.Plan['Shared Hit Blocks'],
    sharedReadBlocks: top.Plan['Shared Read Blocks'],
    walBytes: top.Plan['WAL Bytes'],
    targetsScan: targetsScan(top.Plan),
  };
}

/** The nodes of the statement's walk over the users (CTE targets), outermost first, with the rows each gave. */
function targetsScan(plan: PlanNode): string[] {
  const cte = (plan.Plans ?? []).find((node) => node['Subplan Name'] === 'CTE targets');
  const nodes: string[] = [];
  const walk = (node: PlanNode | undefined) => {
    if (!node) return;
    nodes.push(
      `${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : node['Relation Name'] ? ` ${node['Relation Name']}` : ''}: ${node['Actual Rows']} rows`,
    );
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(cte);
  return nodes;
}
