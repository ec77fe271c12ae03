import {
  type Admin,
  type Consumer,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  logLevel,
  type Producer,
} from './kafkajs/client';
import type { Pool } from 'pg';
import type { Queryable } from '../database/pg';
import type { LogPosition } from '../event-sourcing/event';
import type { PostgresEventStore } from '../event-store/event-store';
import { type Logger, silentLogger } from '../logging/logger';
import { loadCheckpoint, saveCheckpoint, saveCheckpoints } from '../messaging/checkpoints';
import {
  type DeadLetter,
  type DeadLetterSink,
  rawPayloadOf,
  TableDeadLetterSink,
} from '../messaging/dead-letter';
import type { InboxConsumer } from '../messaging/inbox-consumer';
import type { InboundMessage, MessageHeaders, OutboundMessage, Publication } from '../messaging/message';
import type { LogNotifications } from './log-notifications';
import { JavaCompatiblePartitioner } from './java-compatible-partitioner';
import { installKafkajsDropIns } from './kafkajs/install';
import { formatPosition, LogTailer, parsePosition } from './log-tailer';
import { PublicationProgress } from './publication-progress';
import { RelayCheckpoint } from './relay-checkpoint';
import { TickCoalescer } from './tick-coalescer';
import type { EventTransport } from './transport.port';

export const DEAD_LETTER_TOPIC = 'lapse.dead-letter';
const RELAY_SOURCE = 'log';
/** The most a consumer's fetch takes from one partition (kafkajs's own default is 1 MB). */
const MAX_FETCH_BYTES_PER_PARTITION = 262_144;
/** How often consumers commit the offsets they applied to Kafka (a restart redelivers at most this much). */
const OFFSET_COMMIT_INTERVAL_MS = 500;

/** A running relay; `stop()` finishes the batch in flight and persists its checkpoint. */
export interface Relay {
  stop(): Promise<void>;
}

interface RunningConsumer {
  readonly inbox: InboxConsumer;
  /** Finishes the fetch in flight, commits the applied offsets and leaves the group. */
  close(): Promise<void>;
}

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Partitions for topics this transport creates. */
  readonly partitions?: number;
  readonly logger?: Logger;
}

export interface RelayOptions {
  readonly name: string;
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly notifications: LogNotifications;
  readonly publication: Publication;
  readonly topics: readonly string[];
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
}

/**
 * Microservices mode. A relay tails the publisher's event log and produces each published message to its
 * topic (key = stream id; headers event-id, event-type, schema-version, correlation-id, …), checkpointing
 * only after Kafka acknowledged the batch. Consumers read their topics with a consumer group named after
 * the consumer and hand partition batches to the inbox.
 */
export class KafkaTransport implements EventTransport {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private readonly consumers: RunningConsumer[] = [];
  private readonly relays: Relay[] = [];
  private readonly progress = new PublicationProgress();
  private readonly logger: Logger;

  constructor(private readonly options: KafkaTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    if (!installKafkajsDropIns())
      this.logger.warn(
        { kafkajs: require('kafkajs/package.json').version },
        'kafkajs runs without some of its drop-ins (another version, or loaded before ./kafkajs/client)',
      );
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100 },
    });
  }

  /**
   * Creates missing topics and waits until every partition has a leader. Several services may race to
   * create the same topics at start: "already exists" is fine, a topic without leaders yet is waited for.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set([...topics, DEAD_LETTER_TOPIC])];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.createMissingTopics(admin, wanted);
          if (await this.topicsServed(admin, wanted)) return;
        } catch (error) {
          if (attempt >= 100) throw error;
        }
        if (attempt >= 100) throw new Error(`Kafka topics have no leader yet: ${wanted.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Creates the topics not listed yet. Leaders are not awaited here: kafkajs waits for them by asking the
   * broker for metadata and gives up on "This server does not host this topic-partition", which a KRaft
   * broker answers until its metadata cache has caught up with the controller (seen in CI). `topicsServed`
   * waits for them instead. Another service creating the same topics at the same moment is fine.
   */
  private async createMissingTopics(admin: Admin, wanted: readonly string[]): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin
      .createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.options.partitions ?? 6,
          replicationFactor: 1,
        })),
      })
      .catch((error: { type?: string; errors?: { type?: string }[] }) => {
        const alreadyThere = (e: { type?: string }) => e?.type === 'TOPIC_ALREADY_EXISTS';
        if (!alreadyThere(error) && !error?.errors?.every(alreadyThere)) throw error;
      });
  }

  /**
   * True when every partition of every topic has a leader that actually serves it. KRaft can announce a
   * leader in metadata a moment before that broker hosts the partition, so the leaders are asked for the
   * partitions' offsets too ("This server does not host this topic-partition" until then).
   */
  private async topicsServed(admin: Admin, topics: readonly string[]): Promise<boolean> {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led =
        found.length === topics.length &&
        found.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0));
      if (!led) return false;
      for (const topic of topics) await admin.fetchTopicOffsets(topic);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts publishing the event log of `options.pool` to Kafka. The relay produces a batch, and once Kafka
   * acknowledged it goes on with the next one while the checkpoint is written behind it (RelayCheckpoint).
   */
  async startRelay(options: RelayOptions): Promise<Relay> {
    await this.ensureTopics(options.topics);
    const producer = await this.sharedProducer();
    await options.notifications.start();
    const checkpoint = new RelayCheckpoint(
      {
        load: async () => parsePosition(await loadCheckpoint(options.pool, options.name, RELAY_SOURCE)),
        save: (position) =>
          saveCheckpoint(options.pool, options.name, RELAY_SOURCE, formatPosition(position)),
      },
      this.logger.child({ relay: options.name }),
    );
    const progress = this.progress;
    progress.started(options.name);
    const tailer = new LogTailer({
      name: options.name,
      store: options.store,
      notifications: options.notifications,
      batchSize: options.batchSize ?? 2000,
      pollIntervalMs: options.pollIntervalMs,
      logger: this.logger,
      loadPosition: async () => {
        const position = await checkpoint.resumePosition();
        progress.reached(options.name, position);
        return position;
      },
      deliver: async (events) => {
        await this.produce(producer, events.flatMap(options.publication));
        const last = events[events.length - 1];
        const position = { transactionId: last.transactionId, globalPosition: last.globalPosition };
        checkpoint.acknowledged(position);
        progress.reached(options.name, position);
      },
    });
    tailer.start();
    const relay: Relay = {
      async stop() {
        await tailer.stop();
        progress.stopped(options.name);
        await checkpoint.flush();
      },
    };
    this.relays.push(relay);
    return relay;
  }

  async subscribe(inbox: InboxConsumer, topics: readonly string[]): Promise<void> {
    await this.ensureTopics(topics);
    // A broker that has just created or moved a partition may refuse the first requests with a retriable
    // error; the consumer is built again rather than failing the service's start.
    for (let attempt = 1; ; attempt++) {
      try {
        this.consumers.push(await this.startConsumer(inbox, topics));
        return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 5) throw error;
        this.logger.warn({ consumer: inbox.name, attempt, err: String(error) }, 'consumer start retried');
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private async startConsumer(inbox: InboxConsumer, topics: readonly string[]): Promise<RunningConsumer> {
    const consumer = this.kafka.consumer({
      groupId: inbox.name,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      // A long poll: with minBytes 1 the broker answers as soon as a message arrives, so waiting longer adds
      // no latency and spares the broker and the consumer an empty fetch every few milliseconds when idle.
      maxWaitTimeInMs: 100,
      minBytes: 1,
      // A fetch is decoded, parsed and applied in one turn of the event loop: at 1 MB per partition (up to 6 MB,
      // thousands of messages) identity's loop turned every 12–35 ms on average, at worst 160 ms, during a bulk
      // fan-out, and a sign-in needing several turns was answered in up to 1.5 s. At 256 KB, in 3 paired runs
      // of `bulk-expiry`: identity 0.1–0.4 s less CPU, every sampled sign-in refused within 307–765 ms (against
      // 456–840), identity's peak RSS 4–29 MB lower.
      maxBytesPerPartition: MAX_FETCH_BYTES_PER_PARTITION,
    });
    try {
      await consumer.connect();
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      return await this.runConsumer(consumer, inbox, topics.length);
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * All partition batches of one fetch go to the inbox together: one transaction that dedupes, applies
   * the handlers and checkpoints every partition, so a fetch costs one commit however many partitions it
   * spans. Kafka offsets are committed in the background rather than after every batch (that round trip
   * held up the next fetch); a restart or rebalance may therefore redeliver what was already applied,
   * and the inbox dedupes it. Closing commits everything applied.
   */
  private async runConsumer(
    consumer: Consumer,
    inbox: InboxConsumer,
    topicCount: number,
  ): Promise<RunningConsumer> {
    const applied = new Map<string, { topic: string; partition: number; offset: string }>();
    let closing = false;
    const fetches = new TickCoalescer<InboundMessage>(async (messages) => {
      const end = messages[messages.length - 1];
      await inbox.process(messages, (tx, upTo) =>
        saveCheckpoints(tx, inbox.name, kafkaPositions(upTo === end ? messages : [upTo])),
      );
    });
    const commitApplied = async () => {
      const offsets = [...applied.values()];
      if (offsets.length === 0) return;
      await consumer.commitOffsets(offsets);
      for (const done of offsets) {
        const key = `${done.topic}:${done.partition}`;
        if (applied.get(key) === done) applied.delete(key);
      }
    };
    await consumer.run({
      // A worker per partition, so every batch of a fetch reaches the coalescer in the same turn.
      partitionsConsumedConcurrently: (this.options.partitions ?? 6) * topicCount,
      eachBatchAutoResolve: false,
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (closing || !isRunning() || isStale() || batch.messages.length === 0) return;
        await fetches.add(batch.messages.map((message) => toInbound(batch.topic, batch.partition, message)));
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        applied.set(`${batch.topic}:${batch.partition}`, {
          topic: batch.topic,
          partition: batch.partition,
          offset: (BigInt(last) + 1n).toString(),
        });
        await heartbeat();
      },
    });
    // Started once the consumer runs: a start that fails leaves nothing behind.
    let committing: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      committing = committing
        .then(commitApplied)
        .catch((error) =>
          this.logger.warn({ consumer: inbox.name, err: String(error) }, 'offset commit failed'),
        );
    }, OFFSET_COMMIT_INTERVAL_MS);
    timer.unref();
    return {
      inbox,
      async close() {
        inbox.stop();
        closing = true;
        clearInterval(timer);
        await fetches.idle();
        await committing;
        await commitApplied().catch(() => undefined);
        await consumer.disconnect().catch(() => undefined);
      },
    };
  }

  /** A dead-letter sink that parks in the consumer's table and on the dead-letter topic. */
  deadLetterSink(): DeadLetterSink {
    const table = new TableDeadLetterSink();
    return {
      park: async (letter: DeadLetter, tx: Queryable) => {
        await table.park(letter, tx);
        const producer = await this.sharedProducer();
        await producer.send({
          topic: DEAD_LETTER_TOPIC,
          acks: -1,
          messages: [
            {
              key: letter.message.key,
              value: rawPayloadOf(letter.message),
              headers: {
                ...stringHeaders(letter.message.headers),
                'dead-letter-reason': letter.reason.slice(0, 2000),
                'dead-letter-consumer': letter.consumer,
                'dead-letter-attempts': String(letter.attempts),
                'original-topic': letter.message.topic,
              },
            },
          ],
        });
      },
    };
  }

  /** When this process's relays have had Kafka acknowledge the log up to `position` (see EventTransport). */
  whenPublished(position: LogPosition, timeoutMs: number): Promise<boolean> {
    return this.progress.whenPublished(position, timeoutMs);
  }

  /** For tests: puts raw bytes on a topic, bypassing the relay. */
  async produceRaw(
    topic: string,
    key: string,
    value: string,
    headers: Record<string, string>,
  ): Promise<void> {
    const producer = await this.sharedProducer();
    await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
  }

  async close(): Promise<void> {
    for (const { inbox } of this.consumers) inbox.stop();
    await Promise.all(
      this.relays.map((relay) =>
        relay
          .stop()
          .catch((error) => this.logger.warn({ err: String(error) }, 'relay stopped without its checkpoint')),
      ),
    );
    await Promise.all(this.consumers.map((consumer) => consumer.close()));
    this.consumers.length = 0;
    this.relays.length = 0;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }

  private async sharedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        allowAutoTopicCreation: false,
        maxInFlightRequests: 1,
        idempotent: false,
        createPartitioner: JavaCompatiblePartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async produce(producer: Producer, messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic);
      if (list) list.push(message);
      else byTopic.set(message.topic, [message]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((message) => ({
          key: message.key,
          value: JSON.stringify(message.payload),
          headers: stringHeaders(message.headers),
        })),
      })),
    });
  }
}

/** The checkpoint of each partition the messages came from: `kafka:<topic>:<partition>` → last offset. */
function kafkaPositions(messages: readonly InboundMessage[]): Map<string, string> {
  const positions = new Map<string, string>();
  for (const message of messages) {
    if (message.source.kind !== 'kafka') continue;
    positions.set(`kafka:${message.topic}:${message.source.partition}`, message.source.offset);
  }
  return positions;
}

function stringHeaders(headers: Partial<MessageHeaders>): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers.eventId) out['event-id'] = headers.eventId;
  if (headers.eventType) out['event-type'] = headers.eventType;
  if (headers.schemaVersion !== undefined) out['schema-version'] = String(headers.schemaVersion);
  if (headers.correlationId) out['correlation-id'] = headers.correlationId;
  if (headers.causationId) out['causation-id'] = headers.causationId;
  if (headers.actor) out.actor = headers.actor;
  if (headers.occurredAt) out['occurred-at'] = headers.occurredAt;
  return out;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function toInbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
  const raw = message.value?.toString() ?? '';
  const schemaVersionText = header(message.headers, 'schema-version');
  const schemaVersion = schemaVersionText === undefined ? undefined : Number(schemaVersionText);
  const headers: Partial<MessageHeaders> = {
    eventId: header(message.headers, 'event-id'),
    eventType: header(message.headers, 'event-type'),
    schemaVersion: Number.isInteger(schemaVersion) ? schemaVersion : undefined,
    correlationId: header(message.headers, 'correlation-id'),
    causationId: header(message.headers, 'causation-id') ?? null,
    actor: header(message.headers, 'actor'),
    occurredAt: header(message.headers, 'occurred-at'),
  };
  const source = { kind: 'kafka' as const, partition, offset: message.offset };
  const key = message.key?.toString() ?? '';
  try {
    return { topic, key, headers, payload: JSON.parse(raw), source };
  } catch (error) {
    return { topic, key, headers, payload: undefined, raw, parseError: (error as Error).message, source };
  }
}
