import { Pool } from 'pg';
import type { RecordedEvent } from '../event-sourcing/event';
import { PostgresEventStore } from '../event-store/event-store';
import type { Logger } from '../logging/logger';
import { loadCheckpoint, saveCheckpoint } from '../messaging/checkpoints';
import { type Publication, publishAll } from '../messaging/message';
import type { KafkaProducer } from './kafka-producer';
import type { LogNotifications } from './log-notifications';
import { formatPosition, LogTailer, parsePosition } from './log-tailer';
import type { PublicationProgress } from './publication-progress';
import { RelayCheckpoint } from './relay-checkpoint';

const RELAY_SOURCE = 'log';

/** A running relay; `stop()` finishes the batch in flight and persists its checkpoint. */
export interface Relay {
  stop(): Promise<void>;
}

export interface RelayOptions {
  readonly name: string;
  /** The publisher's pool: the relay's checkpoint is written through it, and its own reads connect like it. */
  readonly pool: Pool;
  readonly notifications: LogNotifications;
  readonly publication: Publication;
  readonly topics: readonly string[];
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  /**
   * For benchmarks only (the transport bench's per-stage breakdown): called after Kafka acknowledged a batch
   * with the relay's clock marks, epoch milliseconds (`performance.timeOrigin + performance.now()`): when the
   * read that found the batch began, when the batch was in hand, and when Kafka acknowledged it. Services
   * leave it unset.
   */
  readonly onAcknowledged?: (
    events: readonly RecordedEvent[],
    marks: { readonly readStartedAt: number; readonly readAt: number; readonly acknowledgedAt: number },
  ) => void;
}

/**
 * Publishes the event log of `options.pool` to Kafka: a log tailer hands batches to the producer, and
 * once Kafka acknowledged a batch the relay goes on with the next one while the checkpoint is written
 * behind it (RelayCheckpoint). `progress` learns every acknowledged position (for `whenPublished`).
 * Topics must exist already.
 */
export async function startKafkaRelay(
  options: RelayOptions,
  producer: KafkaProducer,
  progress: PublicationProgress,
  logger: Logger,
): Promise<Relay> {
  await producer.connected();
  await options.notifications.start();
  const checkpoint = new RelayCheckpoint(
    {
      load: async () => parsePosition(await loadCheckpoint(options.pool, options.name, RELAY_SOURCE)),
      save: (position) => saveCheckpoint(options.pool, options.name, RELAY_SOURCE, formatPosition(position)),
    },
    logger.child({ relay: options.name }),
  );
  progress.started(options.name);
  const reads = readPool(options.pool);
  const tailer = new LogTailer({
    name: options.name,
    store: new PostgresEventStore(reads),
    notifications: options.notifications,
    batchSize: options.batchSize ?? 2000,
    pollIntervalMs: options.pollIntervalMs,
    logger,
    loadPosition: async () => {
      const position = await checkpoint.resumePosition();
      progress.reached(options.name, position);
      return position;
    },
    deliver: async (events, read) => {
      const readAt = options.onAcknowledged ? epochMs() : 0;
      await producer.produce(publishAll(events, options.publication));
      const last = events[events.length - 1];
      const position = { transactionId: last.transactionId, globalPosition: last.globalPosition };
      checkpoint.acknowledged(position);
      progress.reached(options.name, position);
      options.onAcknowledged?.(events, {
        readStartedAt: read.startedAt,
        readAt,
        acknowledgedAt: epochMs(),
      });
    },
  });
  tailer.start();
  return {
    async stop() {
      await tailer.stop();
      progress.stopped(options.name);
      await reads.end().catch(() => undefined);
      await checkpoint.flush();
    },
  };
}

/**
 * The relay's own connection for reading the log (`readAll`, `unreadAfter`), configured like the publisher's
 * pool. Through the shared pool a read waited behind whatever the service had queued there (its appends, its
 * requests, its consumers): under load that wait was most of the relay's latency (docs/performance.md,
 * "Kafka path latency"). One connection is enough, the tailer reads one query at a time.
 */
function readPool(shared: Pool): Pool {
  const pool = new Pool({
    ...shared.options,
    max: 1,
    min: 0,
    allowExitOnIdle: true,
    application_name: 'lapse-relay',
  });
  // As in createPool: a lost connection must not crash the process; the next read reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Epoch milliseconds from the monotonic clock (comparable between processes on one machine). */
const epochMs = (): number => performance.timeOrigin + performance.now();
