import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createPool } from '@lapse/shared/database/pg';
import type { EventMetadata } from '@lapse/shared/event-sourcing/event';
import { PostgresEventStore } from '@lapse/shared/event-store/event-store';
import { ContractRegistry } from '@lapse/shared/messaging/contract-registry';
import { TableDeadLetterSink } from '@lapse/shared/messaging/dead-letter';
import { InboxConsumer, type MessageHandler } from '@lapse/shared/messaging/inbox-consumer';
import { headersOf, type Publication } from '@lapse/shared/messaging/message';
import { EmbeddedTransport } from '@lapse/shared/transport/embedded.transport';
import { KafkaTransport } from '@lapse/shared/transport/kafka.transport';
import { LogNotifications } from '@lapse/shared/transport/log-notifications';
import type { EventTransport } from '@lapse/shared/transport/transport.port';
import type { BenchArgs } from './cli';
import { type BenchInfra, percentile, round, startBenchInfra } from './infra';

/**
 * relay → transport → consumer with inbox commit.
 * - eventsPerSec: a backlog of `--events` (default 100,000) over 100 keys drained from a cold start.
 * - p50Ms / p99Ms: end-to-end latency (append committed → consumer transaction committed) at a steady
 *   `--rate` (default 1,000 events/s) for `--seconds` (default 10).
 */
export async function run(args: BenchArgs): Promise<object> {
  const kind = args.transport === 'kafka' ? 'kafka' : 'embedded';
  const events = Number(args.events ?? 100_000);
  const rate = Number(args.rate ?? 1_000);
  const seconds = Number(args.seconds ?? 10);
  const infra = await startBenchInfra();
  try {
    const throughput = await drainBacklog(infra, kind, events);
    const latency = await steadyLatency(infra, kind, rate, seconds);
    return {
      transport: kind,
      events,
      eventsPerSec: round(throughput),
      rate,
      samples: latency.length,
      p50Ms: round(percentile(latency, 50)),
      p99Ms: round(percentile(latency, 99)),
      cores: (await import('node:os')).cpus().length,
    };
  } finally {
    await infra.close();
  }
}

interface Rig {
  store: PostgresEventStore;
  publisherPool: Pool;
  consumerPool: Pool;
  transport: EventTransport;
  subscribe(handler: MessageHandler, onCommitted?: (ids: string[]) => void): Promise<void>;
  close(): Promise<void>;
}

async function rig(infra: BenchInfra, kind: 'embedded' | 'kafka', topic: string): Promise<Rig> {
  const publisherUrl = await infra.database(`bench_pub_${randomUUID().slice(0, 8)}`);
  await runMigrations(publisherUrl, []);
  const publisherPool = createPool(publisherUrl, 20);
  const store = new PostgresEventStore(publisherPool);
  const notifications = new LogNotifications(publisherUrl);
  const publication: Publication = (event) => [
    { topic, key: event.streamId, headers: headersOf(event), payload: event.data },
  ];
  let consumerPool = publisherPool;
  let transport: EventTransport;
  let deadLetters = new TableDeadLetterSink() as
    | TableDeadLetterSink
    | ReturnType<KafkaTransport['deadLetterSink']>;
  if (kind === 'kafka') {
    const consumerUrl = await infra.database(`bench_con_${randomUUID().slice(0, 8)}`);
    await runMigrations(consumerUrl, []);
    consumerPool = createPool(consumerUrl, 20);
    const kafka = new KafkaTransport({ brokers: await infra.kafka(), clientId: 'bench', partitions: 6 });
    await kafka.startRelay({
      name: `relay.${topic}`,
      pool: publisherPool,
      store,
      notifications,
      publication,
      topics: [topic],
    });
    deadLetters = kafka.deadLetterSink();
    transport = kafka;
  } else {
    transport = new EmbeddedTransport({
      pool: publisherPool,
      store,
      notifications,
      publication,
      batchSize: 2000,
    });
  }
  return {
    store,
    publisherPool,
    consumerPool,
    transport,
    subscribe: (handler, onCommitted) =>
      transport.subscribe(
        new InboxConsumer({
          name: `bench-${topic}`,
          pool: consumerPool,
          contracts: new ContractRegistry().register('Ticked', 1),
          handlers: { Ticked: handler },
          deadLetters,
          onCommitted: onCommitted && ((messages) => onCommitted(messages.map((m) => m.headers.eventId))),
        }),
        [topic],
      ),
    async close() {
      await transport.close();
      await notifications.close();
      await publisherPool.end();
      if (consumerPool !== publisherPool) await consumerPool.end();
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

async function drainBacklog(infra: BenchInfra, kind: 'embedded' | 'kafka', total: number): Promise<number> {
  const topic = `bench.throughput.${randomUUID().slice(0, 8)}`;
  const keys = Array.from({ length: 100 }, () => `tick-${randomUUID()}`);
  const setup = await rig(infra, kind, topic);
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
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const started = performance.now();
    await setup.subscribe(async () => {
      if (++seen >= perKey * keys.length) done();
    });
    await finished;
    // The last batch's transaction commits right after its handlers ran.
    return (perKey * keys.length) / ((performance.now() - started) / 1000);
  } finally {
    await setup.close();
  }
}

async function steadyLatency(
  infra: BenchInfra,
  kind: 'embedded' | 'kafka',
  rate: number,
  seconds: number,
): Promise<number[]> {
  const topic = `bench.latency.${randomUUID().slice(0, 8)}`;
  const setup = await rig(infra, kind, topic);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  try {
    // Latency runs from the start of the append to the commit of the consumer's inbox transaction.
    await setup.subscribe(
      async () => undefined,
      (ids) => {
        const now = performance.now();
        for (const id of ids) {
          const sent = sentAt.get(id);
          if (sent !== undefined) latencies.push(now - sent);
        }
      },
    );
    // Warm-up second, not measured: connections, group join, JIT.
    await paced(setup.store, rate, 1, null);
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
    sentAt?.set(meta.eventId, performance.now());
    appends.push(
      store.append(`tick-${randomUUID()}`, 0, [
        { event: { type: 'Ticked', schemaVersion: 1, data: { seq: i } }, metadata: meta },
      ]),
    );
  }
  await Promise.all(appends);
}
