import type { Pool } from 'pg';
import type { LogPosition, RecordedEvent } from '../event-sourcing/event';
import type { PostgresEventStore } from '../event-store/event-store';
import { type Logger, silentLogger } from '../logging/logger';
import { checkpointOnCommit, loadCheckpoint, saveCheckpoint } from '../messaging/checkpoints';
import type { InboxConsumer } from '../messaging/inbox-consumer';
import type { InboundMessage, Publication } from '../messaging/message';
import { DeferredCheckpoint } from './deferred-checkpoint';
import type { LogNotifications } from './log-notifications';
import { formatPosition, LogTailer, parsePosition } from './log-tailer';
import { PublicationProgress } from './publication-progress';
import { SharedLogReads } from './shared-log-reads';
import type { EventTransport } from './transport.port';

const LOG_SOURCE = 'log';

export interface EmbeddedTransportOptions {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly notifications: LogNotifications;
  readonly publication: Publication;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * All-in-one mode: each consumer tails the PostgreSQL event log itself and records its log position in
 * the same transaction as its effects. No relay, no broker; the same inbox, retries and dead letters.
 * The consumers share their reads of the log and the messages each event publishes (`SharedLogReads`).
 */
export class EmbeddedTransport implements EventTransport {
  readonly kind = 'embedded' as const;
  private readonly tailers: { tailer: LogTailer; consumer: InboxConsumer; unrecorded: DeferredCheckpoint }[] =
    [];
  private readonly reads: SharedLogReads;
  /** How far each consumer of this process has taken the log (for `whenPublished`). */
  private readonly taken = new PublicationProgress();
  /**
   * Each event's messages, mapped once for every consumer that reads it (the events are shared too), kept
   * on the event itself under this transport's own symbol: a property read where a WeakMap lookup per event
   * and consumer took about as long as mapping the event (docs/performance.md, "Main thread per event").
   */
  private readonly published = Symbol('published messages');

  constructor(private readonly options: EmbeddedTransportOptions) {
    this.reads = new SharedLogReads(options.store);
  }

  async subscribe(consumer: InboxConsumer, topics: readonly string[]): Promise<void> {
    const { pool, store, notifications } = this.options;
    const reads = this.reads;
    reads.addReader();
    const wanted = new Set(topics);
    await notifications.start();
    const logger = this.options.logger ?? silentLogger;
    const unrecorded = new DeferredCheckpoint(
      (position) => saveCheckpoint(pool, consumer.name, LOG_SOURCE, position),
      (error) =>
        logger.warn(
          { consumer: consumer.name, err: error instanceof Error ? error.message : String(error) },
          'could not record the log position of events without effect; it is read again after a restart',
        ),
    );
    // Hands a batch read from the log to the consumer: its messages, or (none of its topics) the position only.
    const deliver = async (events: readonly RecordedEvent[]): Promise<void> => {
      const messages: InboundMessage[] = [];
      for (const event of events)
        for (const message of this.messagesOf(event)) if (wanted.has(message.topic)) messages.push(message);
      const last = events[events.length - 1];
      const lastPosition = formatPosition({
        transactionId: last.transactionId,
        globalPosition: last.globalPosition,
      });
      if (messages.length === 0) {
        unrecorded.note(lastPosition);
        return;
      }
      const batchEnd = messages[messages.length - 1];
      await consumer.process(
        messages,
        async (tx, upTo) => {
          // This checkpoint commits with the effects and is the newer one: a deferred write lands first.
          unrecorded.supersede();
          await unrecorded.settled();
          const position =
            upTo === batchEnd
              ? lastPosition
              : upTo.source.kind === 'log'
                ? formatPosition(upTo.source)
                : lastPosition;
          checkpointOnCommit(tx, consumer.name, new Map([[LOG_SOURCE, position]]));
        },
        async () => unrecorded.note(lastPosition),
      );
    };
    // Known from its first position on: until then `whenPublished` waits for it too.
    this.taken.started(consumer.name);
    const tailer = new LogTailer({
      name: consumer.name,
      store: {
        readAll: (after, limit) => reads.readAll(after, limit),
        unreadAfter: (after) => store.unreadAfter(after),
      },
      notifications,
      batchSize: this.options.batchSize,
      pollIntervalMs: this.options.pollIntervalMs,
      logger,
      loadPosition: async () => {
        const position = parsePosition(await loadCheckpoint(pool, consumer.name, LOG_SOURCE));
        this.taken.reached(consumer.name, position);
        return position;
      },
      deliver: async (events) => {
        await deliver(events);
        // The position alone: the event itself (its data, its messages) is not kept past its batch.
        const { transactionId, globalPosition } = events[events.length - 1];
        this.taken.reached(consumer.name, { transactionId, globalPosition });
      },
    });
    tailer.start();
    this.tailers.push({ tailer, consumer, unrecorded });
  }

  private messagesOf(event: RecordedEvent): InboundMessage[] {
    const kept = event as RecordedEvent & Record<symbol, InboundMessage[] | undefined>;
    let messages = kept[this.published];
    if (!messages) {
      messages = toInbound(event, this.options.publication);
      kept[this.published] = messages;
    }
    return messages;
  }

  /**
   * Consumers read the log itself, so what it holds is theirs to read once committed; this resolves once every
   * consumer of this process has taken the log up to `position` (applied it, or passed it by as none of its
   * topics). A bulk expiry's fan-out waits for its fact this way (at most FACT_PUBLICATION_WAIT_MS), as it waits
   * for the relay's acknowledgement over Kafka: otherwise its first batches take the cores and the process's
   * one event loop while identity's consumer has yet to apply the fact, and sign-ins are answered by the old
   * rule for longer (docs/performance.md, "Embedded fact-first start").
   */
  whenPublished(position: LogPosition, timeoutMs: number): Promise<boolean> {
    return this.taken.whenPublished(position, timeoutMs);
  }

  async close(): Promise<void> {
    for (const { consumer } of this.tailers) consumer.stop();
    await Promise.all(this.tailers.map(({ tailer }) => tailer.stop()));
    for (const { consumer } of this.tailers) this.taken.stopped(consumer.name);
    await Promise.all(this.tailers.map(({ unrecorded }) => unrecorded.flush()));
    this.tailers.length = 0;
  }
}

function toInbound(event: RecordedEvent, publication: Publication): InboundMessage[] {
  return publication(event).map((message) => ({
    topic: message.topic,
    key: message.key,
    headers: message.headers,
    payload: message.payload,
    source: { kind: 'log', transactionId: event.transactionId, globalPosition: event.globalPosition },
  }));
}
