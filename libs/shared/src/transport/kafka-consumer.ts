import type { Consumer, Kafka } from './kafkajs/client';
import type { Logger } from '../logging/logger';
import { saveCheckpoints } from '../messaging/checkpoints';
import type { InboxConsumer } from '../messaging/inbox-consumer';
import type { InboundMessage } from '../messaging/message';
import { toInbound } from './kafka-message-headers';
import { KafkaOffsetCommits } from './kafka-offset-commits';
import { ApplyQueue } from './apply-queue';

/** The most a consumer's fetch takes from one partition (kafkajs's own default is 1 MB). */
const MAX_FETCH_BYTES_PER_PARTITION = 262_144;

/**
 * The most messages one inbox transaction applies, and how many fetched messages may wait behind it before
 * the consumer stops fetching: about one full fetch each (6 partitions × 256 KB of messages of a few hundred
 * bytes), the transaction size and the memory of fetching one fetch at a time.
 */
const MAX_MESSAGES_PER_TRANSACTION = 5_000;
const MAX_MESSAGES_FETCHED_AHEAD = 5_000;

/** While the consumer waits for room to fetch ahead, it keeps its group membership alive this often. */
const HEARTBEAT_WHILE_WAITING_MS = 1_000;

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
 * The inbox applies what kafkajs fetched behind the fetching (ApplyQueue): one transaction at a time, in
 * fetch order, each taking everything fetched since the previous one began (all partitions together: one
 * commit however many partitions it spans), while kafkajs already fetches the next batches. Before, kafkajs
 * fetched again only after the inbox had committed the last fetch, so every event waited for a transaction
 * and a fetch round trip in turn (docs/performance.md, "Kafka path latency"). kafkajs's fetch position moves
 * on when a batch is queued; its offsets are marked for the Kafka commit (KafkaOffsetCommits, in the
 * background) only once the inbox transaction holding it committed, and a failed transaction is retried
 * before anything after it, so a restart or rebalance resumes at or before the first message not applied
 * (the inbox dedupes the rest). Closing applies the transaction in flight, drops what is queued behind it
 * (fetched again after a restart) and commits the offsets applied.
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
  const applying = new ApplyQueue<InboundMessage>(
    async (messages) => {
      const end = messages[messages.length - 1];
      await inbox.process(messages, (tx, upTo) =>
        saveCheckpoints(tx, inbox.name, kafkaPositions(upTo === end ? messages : [upTo])),
      );
      for (const { topic, source } of lastOfEachPartition(messages)) {
        if (source.kind === 'kafka') offsets.markApplied(topic, source.partition, source.offset);
      }
    },
    {
      maxPerCall: MAX_MESSAGES_PER_TRANSACTION,
      maxQueued: MAX_MESSAGES_FETCHED_AHEAD,
      onRetry: (error, attempt) =>
        logger.warn({ consumer: inbox.name, attempt, err: String(error) }, 'inbox transaction retried'),
    },
  );
  await consumer.run({
    // A worker per partition, so every batch of a fetch is queued in the same turn.
    partitionsConsumedConcurrently: partitions,
    eachBatchAutoResolve: false,
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (closing || !isRunning() || isStale() || batch.messages.length === 0) return;
      const fetchedAt = onFetched ? performance.timeOrigin + performance.now() : 0;
      const messages = batch.messages.map((message) => toInbound(batch.topic, batch.partition, message));
      onFetched?.(messages, fetchedAt);
      applying.add(messages);
      // Moves kafkajs's fetch position only: the Kafka commit waits for the inbox (markApplied above).
      resolveOffset(batch.messages[batch.messages.length - 1].offset);
      while (!(await roomWithin(applying, HEARTBEAT_WHILE_WAITING_MS))) await heartbeat();
      await heartbeat();
    },
  });
  offsets.start();
  return {
    inbox,
    async close() {
      inbox.stop();
      closing = true;
      await applying.stop();
      await offsets.close();
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

/** Whether the queue has room to fetch ahead within `ms`. */
async function roomWithin(queue: { whenRoom(): Promise<void> }, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([queue.whenRoom().then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The inbox checkpoint of each partition the messages came from: `kafka:<topic>:<partition>` → last offset. */
function kafkaPositions(messages: readonly InboundMessage[]): Map<string, string> {
  const positions = new Map<string, string>();
  for (const { topic, source } of lastOfEachPartition(messages)) {
    if (source.kind === 'kafka') positions.set(`kafka:${topic}:${source.partition}`, source.offset);
  }
  return positions;
}

/** The last of the messages from each Kafka partition. */
function lastOfEachPartition(messages: readonly InboundMessage[]): InboundMessage[] {
  const last = new Map<string, InboundMessage>();
  for (const message of messages) {
    if (message.source.kind === 'kafka') last.set(`${message.topic}:${message.source.partition}`, message);
  }
  return [...last.values()];
}
