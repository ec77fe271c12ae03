import type { Consumer, Kafka } from './kafkajs/client';
import type { Logger } from '../logging/logger';
import { checkpointOnCommit, loadCheckpoints } from '../messaging/checkpoints';
import type { InboxConsumer } from '../messaging/inbox-consumer';
import type { InboundMessage } from '../messaging/message';
import { toInbound } from './kafka-message-headers';
import { KafkaOffsetCommits } from './kafka-offset-commits';
import { TickCoalescer } from './tick-coalescer';

/** The most a consumer's fetch takes from one partition (kafkajs's own default is 1 MB). */
const MAX_FETCH_BYTES_PER_PARTITION = 262_144;

/**
 * For benchmarks only (the transport bench's per-stage breakdown): the messages of a partition batch as they
 * reach the consumer's code, with that moment in epoch milliseconds. Services leave it unset.
 */
export type FetchedHook = (messages: readonly InboundMessage[], at: number) => void;

/** A consumer group member feeding one inbox. */
export interface RunningConsumer {
  readonly inbox: InboxConsumer;
  /** Finishes the fetch in flight, commits the applied offsets and leaves the group. */
  close(): Promise<void>;
}

/**
 * Joins the consumer group named after the inbox and hands what it fetches from `topics` to the inbox.
 * Topics must exist already. A start that fails disconnects and leaves nothing behind.
 */
export async function startKafkaConsumer(
  kafka: Kafka,
  inbox: InboxConsumer,
  topics: readonly string[],
  partitionsPerTopic: number,
  logger: Logger,
  onFetched?: FetchedHook,
): Promise<RunningConsumer> {
  const consumer = kafka.consumer({
    groupId: inbox.name,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    // A long poll: with minBytes 1 the broker answers as soon as a message arrives, so waiting longer adds
    // no latency and spares the broker and the consumer an empty fetch every few milliseconds when idle.
    maxWaitTimeInMs: 100,
    minBytes: 1,
    // A fetch is decoded, parsed and applied in one turn of the event loop: at kafkajs's 1 MB per partition
    // (thousands of messages per fetch) a bulk fan-out kept identity's event loop busy long enough to delay
    // sign-ins noticeably; a smaller fetch lets other work in between, and costs less CPU and memory
    // (measurements in docs/performance.md).
    maxBytesPerPartition: MAX_FETCH_BYTES_PER_PARTITION,
  });
  try {
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    return await runConsumer(consumer, inbox, partitionsPerTopic * topics.length, logger, onFetched);
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
}

/**
 * All partition batches of one fetch go to the inbox together: one transaction that dedupes, applies
 * the handlers and checkpoints every partition, so a fetch costs one commit however many partitions it
 * spans. Kafka offsets are committed in the background (KafkaOffsetCommits); closing commits everything
 * applied.
 */
async function runConsumer(
  consumer: Consumer,
  inbox: InboxConsumer,
  partitions: number,
  logger: Logger,
  onFetched: FetchedHook | undefined,
): Promise<RunningConsumer> {
  const offsets = new KafkaOffsetCommits(consumer, inbox.name, logger);
  let closing = false;
  const positioning = startFromCheckpoints(consumer, inbox, logger, () => closing);
  const fetches = new TickCoalescer<InboundMessage>(async (messages) => {
    const end = messages[messages.length - 1];
    await inbox.process(messages, async (tx, upTo) =>
      checkpointOnCommit(tx, inbox.name, kafkaPositions(upTo === end ? messages : [upTo])),
    );
  });
  await consumer.run({
    // A worker per partition, so every batch of a fetch reaches the coalescer in the same turn.
    partitionsConsumedConcurrently: partitions,
    eachBatchAutoResolve: false,
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (closing || !isRunning() || isStale() || batch.messages.length === 0) return;
      const fetchedAt = onFetched ? performance.timeOrigin + performance.now() : 0;
      const messages = batch.messages.map((message) => toInbound(batch.topic, batch.partition, message));
      onFetched?.(messages, fetchedAt);
      await fetches.add(messages);
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      offsets.markApplied(batch.topic, batch.partition, last);
      await heartbeat();
    },
  });
  offsets.start();
  return {
    inbox,
    async close() {
      inbox.stop();
      closing = true;
      positioning.stop();
      await fetches.idle();
      await offsets.close();
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

/** How long to wait before reading the checkpoints again when the database did not answer. */
const CHECKPOINT_RETRY_MS = 1000;

/**
 * Where a consumer starts on each partition it is assigned: right after the checkpoint in its own database,
 * which commits with its effects, and from the beginning of the partition when the database holds none. The
 * group's offsets on the broker are a copy written afterwards; resuming from them, a consumer whose database
 * was restored from a backup, or replaced by an empty one (a projection rebuilt), skipped every message the
 * database had not applied, and its consumer lag never came down.
 *
 * kafkajs has no rebalance callback that can wait, so on each group join the assigned partitions are paused
 * (synchronously, before the first fetch), their checkpoints read, each partition sought, and then resumed.
 * A later join (another rebalance) supersedes one whose read is still in flight.
 */
function startFromCheckpoints(
  consumer: Consumer,
  inbox: InboxConsumer,
  logger: Logger,
  closing: () => boolean,
): { stop(): void } {
  let generation = 0;
  let retry: NodeJS.Timeout | null = null;
  const position = (assigned: { topic: string; partitions: number[] }[], joined: number): void => {
    loadCheckpoints(inbox.pool, inbox.name, 'kafka:').then(
      (checkpoints) => {
        if (joined !== generation || closing()) return;
        for (const { topic, partitions } of assigned) {
          for (const partition of partitions) {
            const applied = checkpoints.get(`kafka:${topic}:${partition}`);
            // Offset 0 of a partition whose start was deleted is out of range: kafkajs then starts at its
            // beginning (the subscription is fromBeginning).
            const offset = applied === undefined ? '0' : (BigInt(applied) + 1n).toString();
            consumer.seek({ topic, partition, offset });
          }
        }
        consumer.resume(assigned);
      },
      (error: unknown) => {
        if (joined !== generation || closing()) return;
        logger.warn(
          { consumer: inbox.name, err: error instanceof Error ? error.message : String(error) },
          'could not read the checkpoints of the assigned partitions; trying again',
        );
        retry = setTimeout(() => position(assigned, joined), CHECKPOINT_RETRY_MS);
      },
    );
  };
  const removeListener = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    if (retry) clearTimeout(retry);
    const joined = ++generation;
    const assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({
      topic,
      partitions,
    }));
    if (assigned.length === 0) return;
    consumer.pause(assigned);
    position(assigned, joined);
  });
  return {
    stop() {
      generation++;
      if (retry) clearTimeout(retry);
      removeListener();
    },
  };
}

/** The inbox checkpoint of each partition the messages came from: `kafka:<topic>:<partition>` → last offset. */
function kafkaPositions(messages: readonly InboundMessage[]): Map<string, string> {
  const positions = new Map<string, string>();
  for (const message of messages) {
    if (message.source.kind !== 'kafka') continue;
    positions.set(`kafka:${message.topic}:${message.source.partition}`, message.source.offset);
  }
  return positions;
}
