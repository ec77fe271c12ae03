import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@lapse/shared/database/embedded-postgres';
import { startKafkaBroker } from '@lapse/shared/testing/kafka-broker';
import type { Pool } from 'pg';

export interface BenchInfra {
  /** Creates an empty database and returns its URL. */
  database(name: string): Promise<string>;
  /** Kafka brokers (started on demand, or KAFKA_BROKERS). */
  kafka(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Real PostgreSQL (embedded, default durability settings) and, when asked, a real Kafka broker, for the
 * length of one benchmark. `DATABASE_URL` / `KAFKA_BROKERS` use servers that are already running.
 */
export async function startBenchInfra(): Promise<BenchInfra> {
  const dir = await mkdtemp(join(tmpdir(), 'lapse-bench-'));
  const external = process.env.DATABASE_URL;
  const server = external ? null : await startEmbeddedPostgres({ dir, persistent: false });
  let broker: { brokers: string[]; stop(): Promise<void> } | null = null;
  return {
    async database(name) {
      if (server) return server.createDatabase(name);
      const { createDatabase } = await import('@lapse/shared/database/create-database');
      await createDatabase(external as string, name);
      return Object.assign(new URL(external as string), { pathname: `/${name}` }).toString();
    },
    async kafka() {
      if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
      broker ??= await startKafkaBroker({ port: await benchKafkaPort() });
      return broker.brokers;
    },
    async close() {
      await broker?.stop();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/**
 * The port of a broker a benchmark starts: `KAFKA_PORT` when set, else a free pair (the broker's port and its
 * controller's, the next one) below the kernel's ephemeral range, where outgoing connections do not take
 * ports. Never the test suites' 19092 by default: kafka.sh stops whatever broker it started on a port before
 * starting another there, so a benchmark on that port would stop a Kafka suite running meanwhile (and that
 * suite's clients would then write into the benchmark's broker).
 */
export async function benchKafkaPort(): Promise<number> {
  if (process.env.KAFKA_PORT) return Number(process.env.KAFKA_PORT);
  const { freePortOutsideEphemeral } = await import('@lapse/shared/database/free-port');
  return freePortOutsideEphemeral({ pair: true });
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** The points a latency distribution is plotted from (`npm run bench -- report`): percentile → value. */
export const DISTRIBUTION_PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100] as const;

/** `sorted` at each of DISTRIBUTION_PERCENTILES, keyed `p1` … `p99.9`, `p100` (numbers, so runs have medians). */
export function distribution(sorted: readonly number[]): Record<string, number> {
  return Object.fromEntries(DISTRIBUTION_PERCENTILES.map((p) => [`p${p}`, round(percentile(sorted, p))]));
}

/** Runs `work` for each item with at most `concurrency` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** The PostgreSQL server's postmaster pid, from its data directory. */
export async function postmasterPid(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ data_directory: string }>('SHOW data_directory');
  return Number((await readFile(`${rows[0].data_directory}/postmaster.pid`, 'utf8')).split('\n')[0]);
}

/**
 * CPU seconds of the PostgreSQL server: the postmaster with its reaped children (backends that ended)
 * and every child alive now (/proc/<pid>/stat, 100 ticks a second).
 */
export async function postgresCpuSeconds(postmaster: number): Promise<number> {
  let ticks = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = await statFields(Number(pid));
    if (Number(pid) === postmaster) ticks += fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
    else if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/**
 * The fields of /proc/<pid>/stat after the command name (field 3 onwards: [1] the parent pid, [11]/[12]
 * user/system ticks, [13]/[14] those of reaped children); none once the process is gone.
 */
async function statFields(pid: number | undefined): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
}

/** The Kafka broker's JVM (the bench's own or one at KAFKA_BROKERS on this machine), found by its main class. */
export async function kafkaBrokerPids(): Promise<number[]> {
  const brokers: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('\0kafka.Kafka\0')) brokers.push(Number(entry));
  }
  return brokers;
}

/** User + system CPU seconds of a process (Linux /proc/<pid>/stat, 100 ticks a second); 0 once it is gone. */
export async function processCpuSeconds(pid: number | undefined): Promise<number> {
  const fields = await statFields(pid);
  return fields.length > 12 ? (Number(fields[11]) + Number(fields[12])) / 100 : 0;
}

/** User + system CPU seconds of the Kafka broker's JVM so far. */
export async function kafkaBrokerCpuSeconds(): Promise<number> {
  let seconds = 0;
  for (const pid of await kafkaBrokerPids()) seconds += await processCpuSeconds(pid);
  return seconds;
}
