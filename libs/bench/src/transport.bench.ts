import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createPool } from '@lapse/shared/database/pg';
import type { EventMetadata, RecordedEvent } from '@lapse/shared/event-sourcing/event';
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
 * - stagesMs: where that latency goes, per stage, each as p50/p99 over the latency phase's events, and
 *   `tailStagesMs`, the median of each stage over the events at or past the end-to-end p99 (what the tail is
 *   made of; stage p99s do not add up to the end-to-end p99).
 * - deliveryMs: p50/p99 of the latency after the append committed (end to end minus the `append` stage), the
 *   transport's own part, and `deliveryTailStagesMs`, the median of each stage over the events at or past
 *   that p99. On a loaded machine the publisher's appends queue in its pool and the end-to-end figures then
 *   measure that queue; these two show the path from the log to the consumer's commit alone.
 * - Clock marks, in epoch milliseconds from each process's monotonic clock (one machine, so one clock): the
 *   append's start and its answer (the commit, as the appender learns it), the relay's read from the log
 *   (start, events in hand) and Kafka's acknowledgement (the relay's `onAcknowledged`), the batch reaching
 *   the consumer's code (`onFetched`), the handler's start, and the inbox transaction's commit
 *   (`onCommitted`). Embedded: the consumer's own read from the log (a wrapper of the event store's
 *   `readAll`) replaces the relay, produce and fetch. Marks are taken in the latency phase only (the backlog
 *   phase's figure is unchanged); a stage may be slightly negative when the next process saw an event before
 *   the appender got its answer.
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
      p50Ms: round(percentile(totals(latency), 50)),
      p99Ms: round(percentile(totals(latency), 99)),
      distributionMs: distribution(latency.map((sample) => sample.total)),
      stagesMs: stagePercentiles(latency),
      tailStagesMs: tailStages(latency),
      deliveryMs: delivery(latency),
      deliveryTailStagesMs: tailStages([...latency].sort((a, b) => deliveryOf(a) - deliveryOf(b))),
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
  /**
   * Starts the consumer process; `onCommitted` gets each committed batch's ids and commit time (epoch ms),
   * and with `stages` the consumer's clock marks of each id (ConsumerMarks).
   */
  consume(
    onCommitted: (ids: string[], at: number, marks?: ConsumerMarks[]) => void,
    stages?: boolean,
  ): Promise<void>;
  close(): Promise<void>;
}

/** The consumer's clock marks of an event (epoch ms): Kafka [fetched, handler started]; embedded [read start, read end, handler started]. */
export type ConsumerMarks = number[];

/** The publishing side's clock marks of an event (epoch ms), in the latency phase. */
interface PublisherMarks {
  appendStart: number;
  appendDone?: number;
  readStart?: number;
  readEnd?: number;
  acknowledged?: number;
}

/** Epoch milliseconds from the monotonic clock: comparable between the bench's processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** `store` with its `readAll` timed: `onRead` gets each read's events, start and end (epoch ms). */
export function timedReads(
  store: PostgresEventStore,
  onRead: (events: readonly RecordedEvent[], startedAt: number, endedAt: number) => void,
): PostgresEventStore {
  const timed = Object.create(store) as PostgresEventStore;
  timed.readAll = async (after, limit) => {
    const startedAt = epochMs();
    const events = await store.readAll(after, limit);
    onRead(events, startedAt, epochMs());
    return events;
  };
  return timed;
}

/**
 * The publishing side (event store, and the relay in Kafka mode) runs here, as in the directory service;
 * the consuming side runs in a child process, as identity or notifier would.
 */
async function rig(
  { infra, kind, partitions }: Setup,
  topic: string,
  marks?: Map<string, PublisherMarks>,
): Promise<Rig> {
  const publisherUrl = await infra.database(`bench_pub_${randomUUID().slice(0, 8)}`);
  await runMigrations(publisherUrl, []);
  const publisherPool = createPool(publisherUrl, 20);
  const store = new PostgresEventStore(publisherPool);
  const mark = (events: readonly RecordedEvent[], set: (m: PublisherMarks) => void) => {
    for (const event of events) {
      const entry = marks?.get(event.metadata.eventId);
      if (entry) set(entry);
    }
  };
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
      notifications,
      publication,
      topics: [topic],
      onAcknowledged: marks
        ? (events, { readStartedAt, readAt, acknowledgedAt }) =>
            mark(events, (m) => {
              m.readStart ??= readStartedAt;
              m.readEnd ??= readAt;
              m.acknowledged ??= acknowledgedAt;
            })
        : undefined,
    });
  }
  let child: ChildProcess | null = null;
  return {
    store,
    consume: (onCommitted, stages = false) =>
      new Promise<void>((resolveReady, reject) => {
        child = fork(join(__dirname, 'transport-consumer.js'), [], {
          env: {
            ...process.env,
            BENCH_KIND: kind,
            BENCH_TOPIC: topic,
            BENCH_CONSUMER_URL: consumerUrl,
            BENCH_BROKERS: brokers.join(','),
            BENCH_STAGES: stages ? '1' : '',
          },
        });
        child.once('exit', (code) =>
          code === 0 ? undefined : reject(new Error(`bench consumer exited with ${code}`)),
        );
        child.on(
          'message',
          (message: { ready?: boolean; ids?: string[]; at?: number; marks?: ConsumerMarks[] }) => {
            if (message.ready) resolveReady();
            if (message.ids && message.at !== undefined) onCommitted(message.ids, message.at, message.marks);
          },
        );
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

/** One event of the latency phase: end to end, and each stage (see `stagesMs` above), in ms. */
interface Sample {
  readonly total: number;
  readonly stages: Record<string, number>;
}

async function steadyLatency(
  shared: Setup,
  rate: number,
  seconds: number,
  warmup: number,
): Promise<Sample[]> {
  const topic = `bench.latency.${randomUUID().slice(0, 8)}`;
  const marks = new Map<string, PublisherMarks>();
  const setup = await rig(shared, topic, marks);
  const samples: Sample[] = [];
  try {
    // Latency runs from the start of the append to the commit of the consumer's inbox transaction.
    await setup.consume((ids, at, consumerMarks) => {
      ids.forEach((id, index) => {
        const published = marks.get(id);
        if (published === undefined) return;
        samples.push({
          total: at - published.appendStart,
          stages: stagesOf(shared.kind, published, consumerMarks?.[index] ?? [], at),
        });
      });
    }, true);
    // Warm-up, not measured: connections, group join, JIT.
    await paced(setup.store, rate, warmup, null);
    await paced(setup.store, rate, seconds, marks);
    const deadline = performance.now() + 30_000;
    while (samples.length < marks.size && performance.now() < deadline) await sleep(20);
    return samples.sort((a, b) => a.total - b.total);
  } finally {
    await setup.close();
  }
}

/** Each stage of one event, from the publisher's and the consumer's marks and the commit time. */
function stagesOf(
  kind: Setup['kind'],
  published: PublisherMarks,
  consumer: ConsumerMarks,
  committedAt: number,
): Record<string, number> {
  const { appendStart, appendDone = Number.NaN } = published;
  if (kind === 'embedded') {
    const [readStart, readEnd, handlerAt] = consumer;
    return {
      append: appendDone - appendStart,
      commitToRead: readStart - appendDone,
      read: readEnd - readStart,
      readToHandler: handlerAt - readEnd,
      handlerToCommit: committedAt - handlerAt,
    };
  }
  const { readStart = Number.NaN, readEnd = Number.NaN, acknowledged = Number.NaN } = published;
  const [fetchedAt, handlerAt] = consumer;
  return {
    append: appendDone - appendStart,
    commitToRelayRead: readStart - appendDone,
    relayRead: readEnd - readStart,
    produceToAck: acknowledged - readEnd,
    ackToFetched: fetchedAt - acknowledged,
    fetchedToHandler: handlerAt - fetchedAt,
    handlerToCommit: committedAt - handlerAt,
  };
}

const totals = (samples: readonly Sample[]) => samples.map((sample) => sample.total);

/** p50 and p99 of each stage over all samples (samples without the stage's marks left out). */
function stagePercentiles(samples: readonly Sample[]): Record<string, { p50: number; p99: number }> {
  const names = samples.length > 0 ? Object.keys(samples[0].stages) : [];
  return Object.fromEntries(
    names.map((name) => {
      const values = samples
        .map((sample) => sample.stages[name])
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      return [name, { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) }];
    }),
  );
}

/** The median of each stage over the samples at or past the end-to-end p99 (`samples` sorted by total). */
function tailStages(samples: readonly Sample[]): Record<string, number> {
  const tail = samples.slice(Math.max(0, Math.ceil(0.99 * samples.length) - 1));
  const names = tail.length > 0 ? Object.keys(tail[0].stages) : [];
  return Object.fromEntries(
    names.map((name) => {
      const values = tail
        .map((sample) => sample.stages[name])
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
      return [name, round(percentile(values, 50))];
    }),
  );
}

/** The part of an event's latency after its append committed: the transport's own (NaN without the mark). */
const deliveryOf = (sample: Sample): number => sample.total - (sample.stages.append ?? Number.NaN);

/** p50 and p99 of `deliveryOf` over the samples that have it. */
function delivery(samples: readonly Sample[]): { p50: number; p99: number } {
  const values = samples
    .map(deliveryOf)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function paced(
  store: PostgresEventStore,
  rate: number,
  seconds: number,
  marks: Map<string, PublisherMarks> | null,
): Promise<void> {
  const total = rate * seconds;
  const intervalMs = 1000 / rate;
  const start = performance.now();
  const appends: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait >= 1) await sleep(wait);
    const meta = metadata();
    const mark: PublisherMarks = { appendStart: epochMs() };
    marks?.set(meta.eventId, mark);
    appends.push(
      store
        .append(`tick-${randomUUID()}`, 0, [
          { event: { type: 'Ticked', schemaVersion: 1, data: { seq: i } }, metadata: meta },
        ])
        .then(() => {
          mark.appendDone = epochMs();
        }),
    );
  }
  await Promise.all(appends);
}
