import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createPool } from '@lapse/shared/database/pg';
import type { EventMetadata } from '@lapse/shared/event-sourcing/event';
import { PostgresEventStore } from '@lapse/shared/event-store/event-store';
import { headersOf, type Publication } from '@lapse/shared/messaging/message';
import { KafkaTransport } from '@lapse/shared/transport/kafka.transport';
import { LogNotifications } from '@lapse/shared/transport/log-notifications';
import type { BenchArgs } from './cli';
import type { BenchFlags } from './flags';
import { type BenchInfra, distribution, percentile, round, startBenchInfra } from './infra';

/**
 * relay → transport → consumer with inbox commit.
 * - eventsPerSec: a backlog of `--events` (default 100,000) over 100 keys drained from a cold start.
 * - p50Ms / p99Ms: end-to-end latency (append committed → consumer transaction committed) at a steady
 *   `--rate` (default 1,000 events/s) for `--seconds` (default 10), after `--warmup` seconds at the same rate
 *   that are not measured (default 1: connections, group join, JIT). A longer warm-up is for diagnosis only
 *   (how much of the tail is start-up); the figures the issue asks for use the default.
 */
export const summary = 'relay → transport → consumer: backlog throughput and steady-rate latency';

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  transport: { value: 'kafka|embedded', default: 'embedded', description: 'the transport measured' },
  events: { value: 'N', default: '100000', description: 'backlog drained from a cold start' },
  rate: { value: 'R', default: '1000', description: 'steady rate (events/s) of the latency phase' },
  seconds: { value: 'S', default: '10', description: 'length of the latency phase' },
  warmup: { value: 'W', default: '1', description: 'unmeasured seconds at the same rate first' },
  partitions: { value: 'P', default: '6', description: 'partitions of the topic' },
};

export async function run(args: BenchArgs): Promise<object> {
  const kind = args.transport === 'kafka' ? 'kafka' : 'embedded';
  const events = Number(args.events ?? 100_000);
  const rate = Number(args.rate ?? 1_000);
  const seconds = Number(args.seconds ?? 10);
  const warmup = Number(args.warmup ?? 1);
  const infra = await startBenchInfra();
  const setup: Setup = { infra, kind, partitions: Number(args.partitions ?? 6) };
  try {
    const throughput = await drainBacklog(setup, events);
    const latency = await steadyLatency(setup, rate, seconds, warmup);
    return {
      transport: kind,
      partitions: kind === 'kafka' ? setup.partitions : undefined,
      events,
      eventsPerSec: round(throughput),
      rate,
      warmupSeconds: warmup,
      samples: latency.length,
      p50Ms: round(percentile(latency, 50)),
      p99Ms: round(percentile(latency, 99)),
      distributionMs: distribution(latency),
      cores: (await import('node:os')).cpus().length,
    };
  } finally {
    await infra.close();
  }
}

/** What every rig of one run shares: servers, transport, and the topic's partitions (`--partitions`, default 6). */
interface Setup {
  readonly infra: BenchInfra;
  readonly kind: 'embedded' | 'kafka';
  readonly partitions: number;
}

interface Rig {
  store: PostgresEventStore;
  /** Starts the consumer process; `onCommitted` gets each committed batch's ids and commit time (epoch ms). */
  consume(onCommitted: (ids: string[], at: number) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * The publishing side (event store, and the relay in Kafka mode) runs here, as in the directory service;
 * the consuming side runs in a child process, as identity or notifier would.
 */
async function rig({ infra, kind, partitions }: Setup, topic: string): Promise<Rig> {
  const publisherUrl = await infra.database(`bench_pub_${randomUUID().slice(0, 8)}`);
  await runMigrations(publisherUrl, []);
  const publisherPool = createPool(publisherUrl, 20);
  const store = new PostgresEventStore(publisherPool);
  const notifications = new LogNotifications(publisherUrl);
  const publication: Publication = (event) => [
    { topic, key: event.streamId, headers: headersOf(event), payload: event.data },
  ];
  let consumerUrl = publisherUrl;
  let relay: KafkaTransport | null = null;
  const brokers = kind === 'kafka' ? await infra.kafka() : [];
  if (kind === 'kafka') {
    consumerUrl = await infra.database(`bench_con_${randomUUID().slice(0, 8)}`);
    await runMigrations(consumerUrl, []);
    relay = new KafkaTransport({ brokers, clientId: 'bench-relay', partitions });
    await relay.startRelay({
      name: `relay.${topic}`,
      pool: publisherPool,
      store,
      notifications,
      publication,
      topics: [topic],
    });
  }
  let child: ChildProcess | null = null;
  return {
    store,
    consume: (onCommitted) =>
      new Promise<void>((resolveReady, reject) => {
        child = fork(join(__dirname, 'transport-consumer.js'), [], {
          env: {
            ...process.env,
            BENCH_KIND: kind,
            BENCH_TOPIC: topic,
            BENCH_CONSUMER_URL: consumerUrl,
            BENCH_BROKERS: brokers.join(','),
          },
        });
        child.once('exit', (code) =>
          code === 0 ? undefined : reject(new Error(`bench consumer exited with ${code}`)),
        );
        child.on('message', (message: { ready?: boolean; ids?: string[]; at?: number }) => {
          if (message.ready) resolveReady();
          if (message.ids && message.at !== undefined) onCommitted(message.ids, message.at);
        });
      }),
    async close() {
      const running = child as ChildProcess | null;
      if (running && running.exitCode === null) {
        const exited = new Promise((done) => running.once('exit', done));
        running.send({ stop: true });
        await exited;
      }
      await relay?.close();
      await notifications.close();
      await publisherPool.end();
    },
  };
}

const metadata = (): EventMetadata => ({
  eventId: randomUUID(),
  correlationId: randomUUID(),
  causationId: null,
  actor: 'bench',
  occurredAt: new Date().toISOString(),
});

async function drainBacklog(shared: Setup, total: number): Promise<number> {
  const topic = `bench.throughput.${randomUUID().slice(0, 8)}`;
  const keys = Array.from({ length: 100 }, () => `tick-${randomUUID()}`);
  const setup = await rig(shared, topic);
  try {
    const perKey = Math.ceil(total / keys.length);
    for (let start = 0; start < perKey; start += 50) {
      await Promise.all(
        keys.map((key) =>
          setup.store.append(
            key,
            start,
            Array.from({ length: Math.min(50, perKey - start) }, (_, i) => ({
              event: { type: 'Ticked', schemaVersion: 1, data: { seq: start + i + 1 } },
              metadata: metadata(),
            })),
          ),
        ),
      );
    }
    let seen = 0;
    let done: (at: number) => void = () => undefined;
    const finished = new Promise<number>((resolve) => {
      done = resolve;
    });
    const started = performance.timeOrigin + performance.now();
    await setup.consume((ids, at) => {
      seen += ids.length;
      if (seen >= perKey * keys.length) done(at);
    });
    const finishedAt = await finished;
    return (perKey * keys.length) / ((finishedAt - started) / 1000);
  } finally {
    await setup.close();
  }
}

async function steadyLatency(
  shared: Setup,
  rate: number,
  seconds: number,
  warmup: number,
): Promise<number[]> {
  const topic = `bench.latency.${randomUUID().slice(0, 8)}`;
  const setup = await rig(shared, topic);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  try {
    // Latency runs from the start of the append to the commit of the consumer's inbox transaction.
    await setup.consume((ids, at) => {
      for (const id of ids) {
        const sent = sentAt.get(id);
        if (sent !== undefined) latencies.push(at - sent);
      }
    });
    // Warm-up, not measured: connections, group join, JIT.
    await paced(setup.store, rate, warmup, null);
    await paced(setup.store, rate, seconds, sentAt);
    const deadline = performance.now() + 30_000;
    while (latencies.length < sentAt.size && performance.now() < deadline) await sleep(20);
    return latencies.sort((a, b) => a - b);
  } finally {
    await setup.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function paced(
  store: PostgresEventStore,
  rate: number,
  seconds: number,
  sentAt: Map<string, number> | null,
): Promise<void> {
  const total = rate * seconds;
  const intervalMs = 1000 / rate;
  const start = performance.now();
  const appends: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait >= 1) await sleep(wait);
    const meta = metadata();
    sentAt?.set(meta.eventId, performance.timeOrigin + performance.now());
    appends.push(
      store.append(`tick-${randomUUID()}`, 0, [
        { event: { type: 'Ticked', schemaVersion: 1, data: { seq: i } }, metadata: meta },
      ]),
    );
  }
  await Promise.all(appends);
}
