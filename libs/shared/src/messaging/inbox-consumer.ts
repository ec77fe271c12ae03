import type { Pool, PoolClient } from 'pg';
import { arrayLiteral, withTransaction } from '../database/pg';
import { type Logger, silentLogger } from '../logging/logger';
import { SpanKind, tracingEnabled, withSpan } from '../tracing/tracing';
import type { ContractRegistry } from './contract-registry';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import type { InboundMessage, MessageHeaders } from './message';

/** A message that passed the contract check: headers complete, payload parsed. */
export interface ConsumedMessage<Payload = unknown> {
  readonly topic: string;
  readonly key: string;
  readonly headers: MessageHeaders;
  readonly payload: Payload;
}

/** Applies one message's effect inside the consumer's transaction. Throwing rolls the effect back. */
export type MessageHandler = (message: ConsumedMessage, tx: PoolClient) => Promise<void>;

/**
 * Applies a run of consecutive fresh messages of one type inside the consumer's transaction, with the
 * same effect as applying them one by one in that order (typically one statement over arrays instead of
 * one per message). Messages already seen are not in the run. When a transaction fails, its messages are
 * retried alone, so a run may also hold a single message. Throwing rolls the whole transaction back.
 */
export interface BatchMessageHandler {
  readonly applyAll: (messages: readonly ConsumedMessage[], tx: PoolClient) => Promise<void>;
  /**
   * Applying a message again, at any later point, changes nothing (e.g. "keep the newest version"). The
   * inbox then skips the dedupe row for these messages on the batch path and hands redeliveries to the
   * handler; the checkpoint still commits with the effect, and a message retried alone is deduped as usual.
   */
  readonly idempotent: boolean;
}

/** What a consumer registers per event type: one message at a time, or a run of them. */
export type ConsumerHandler = MessageHandler | BatchMessageHandler;

/** Marks `applyAll` as a handler of runs of messages (see BatchMessageHandler). */
export function batchHandler(
  applyAll: BatchMessageHandler['applyAll'],
  options: { readonly idempotent?: boolean } = {},
): BatchMessageHandler {
  return { applyAll, idempotent: options.idempotent ?? false };
}

type ApplyAll = BatchMessageHandler['applyAll'];

interface Applier {
  readonly apply: ApplyAll;
  readonly idempotent: boolean;
}

/** Records how far the consumer got, in the same transaction as the effects. */
export type CheckpointWriter = (tx: PoolClient, last: InboundMessage) => Promise<void>;

export interface InboxConsumerOptions {
  /** Unique consumer name: inbox, checkpoints and the Kafka group id are keyed on it. */
  readonly name: string;
  readonly pool: Pool;
  readonly contracts: ContractRegistry;
  /** Handlers by event type. Known types without a handler are acknowledged and skipped. */
  readonly handlers: Readonly<Record<string, ConsumerHandler>>;
  readonly deadLetters: DeadLetterSink;
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
  readonly logger?: Logger;
  /** Called after a transaction that applied messages committed (metrics, benchmarks). */
  readonly onCommitted?: (messages: readonly ConsumedMessage[]) => void;
}

type Classified =
  | {
      readonly kind: 'handle';
      readonly message: InboundMessage;
      readonly consumed: ConsumedMessage;
      readonly apply: ApplyAll;
      readonly idempotent: boolean;
    }
  | { readonly kind: 'skip'; readonly message: InboundMessage }
  | { readonly kind: 'malformed'; readonly message: InboundMessage; readonly reason: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The consuming half of every transport. For each batch it dedupes by event id in an inbox table (one
 * multi-row insert), applies handlers, and records the checkpoint, all in one transaction, so each event's
 * effect happens once even when the transport redelivers. Messages of an idempotent handler skip the
 * dedupe row on the batch path (applying them again is harmless; see BatchMessageHandler). Consecutive fresh messages of a type with a
 * batch handler are applied by one call. If the batch fails, messages are retried one by one with backoff; a
 * message that still fails after `maxAttempts` is parked in the dead letter with its error and the rest
 * flow on. Malformed messages (unknown type or version, unparseable JSON) go to the dead letter at once.
 */
export class InboxConsumer {
  readonly name: string;
  /** The consumer's database: its effects, inbox rows and checkpoints. */
  readonly pool: Pool;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly logger: Logger;
  private readonly appliers: ReadonlyMap<string, Applier>;
  private stopping = false;

  constructor(private readonly options: InboxConsumerOptions) {
    this.name = options.name;
    this.pool = options.pool;
    this.appliers = new Map(
      Object.entries(options.handlers).map(([type, handler]) => [type, applierOf(handler)]),
    );
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.backoffMs ?? 50;
    this.logger = (options.logger ?? silentLogger).child({ consumer: options.name });
  }

  /** Asks in-flight retries to stop waiting; the current transaction still finishes or rolls back. */
  stop(): void {
    this.stopping = true;
  }

  /**
   * Applies the batch and records `checkpoint` in the same transaction. With `withoutEffect`, a batch with
   * nothing to apply or park (only types this consumer has no handler for) opens no transaction: it is handed
   * to `withoutEffect`, which records the position as it sees fit (later is safe: such a batch read again
   * changes nothing).
   */
  async process(
    messages: readonly InboundMessage[],
    checkpoint: CheckpointWriter,
    withoutEffect?: () => Promise<void>,
  ): Promise<void> {
    if (messages.length === 0) return;
    const classified = messages.map((message) => this.classify(message));
    if (withoutEffect && classified.every((item) => item.kind === 'skip')) return withoutEffect();
    const last = messages[messages.length - 1];
    try {
      const letters: DeadLetter[] = [];
      const applied = await withTransaction(this.options.pool, async (tx) => {
        const fresh = await this.claim(
          tx,
          classified.filter((item) => item.kind === 'handle' && !item.idempotent),
        );
        const handled: ConsumedMessage[] = [];
        // The run of consecutive fresh messages that share a handler, applied by one call.
        let run: ConsumedMessage[] = [];
        let runApply: ApplyAll | null = null;
        const applyRun = async () => {
          if (runApply && run.length > 0) {
            const [apply, messages] = [runApply, run];
            await this.traced(messages, () => apply(messages, tx));
          }
          handled.push(...run);
          run = [];
        };
        for (const item of classified) {
          if (item.kind === 'handle' && (item.idempotent || fresh.delete(item.consumed.headers.eventId))) {
            if (item.apply !== runApply) {
              await applyRun();
              runApply = item.apply;
            }
            run.push(item.consumed);
          } else if (item.kind === 'malformed') {
            await applyRun();
            await this.park(tx, letters, item.message, item.reason, 1);
          }
        }
        await applyRun();
        await checkpoint(tx, last);
        return handled;
      });
      await this.copyParked(letters);
      if (applied.length > 0) this.options.onCommitted?.(applied);
    } catch (error) {
      this.logger.warn({ err: describe(error), batch: messages.length }, 'batch failed; retrying one by one');
      for (const item of classified) await this.processAlone(item, checkpoint);
    }
  }

  private async processAlone(item: Classified, checkpoint: CheckpointWriter): Promise<void> {
    let lastError = 'unknown error';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const letters: DeadLetter[] = [];
        const applied = await withTransaction(this.options.pool, async (tx) => {
          let handled = false;
          if (item.kind === 'malformed') {
            await this.park(tx, letters, item.message, item.reason, 1);
          } else if (item.kind === 'handle') {
            const fresh = await this.claim(tx, [item]);
            if (fresh.size > 0) {
              await this.traced([item.consumed], () => item.apply([item.consumed], tx));
              handled = true;
            }
          }
          await checkpoint(tx, item.message);
          return handled;
        });
        await this.copyParked(letters);
        if (applied && item.kind === 'handle') this.options.onCommitted?.([item.consumed]);
        return;
      } catch (error) {
        lastError = describe(error);
        if (attempt < this.maxAttempts && !this.stopping) {
          await sleep(this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
        }
      }
    }
    this.logger.error({ eventId: item.message.headers.eventId, reason: lastError }, 'message dead-lettered');
    const letters: DeadLetter[] = [];
    await withTransaction(this.options.pool, async (tx) => {
      await this.claim(tx, [item], 'dead-lettered');
      await this.park(tx, letters, item.message, `HANDLER_FAILED: ${lastError}`, this.maxAttempts);
      await checkpoint(tx, item.message);
    });
    await this.copyParked(letters);
  }

  /**
   * Runs a handler in a consumer span, a child of the span that decided the messages (their `traceparent`).
   * A run whose messages come from several traces gets a span of its own that links to each of them (at most
   * 32); messages without a `traceparent` (tracing off where they were decided) get no span.
   */
  private traced(messages: readonly ConsumedMessage[], work: () => Promise<void>): Promise<void> {
    if (!tracingEnabled()) return work();
    const parents = [
      ...new Set(
        messages.flatMap((message) => (message.headers.traceparent ? [message.headers.traceparent] : [])),
      ),
    ];
    const [first] = parents;
    if (first === undefined) return work();
    const oneTrace = parents.every((parent) => parent.split('-')[1] === first.split('-')[1]);
    const [message] = messages as [ConsumedMessage];
    return withSpan(
      `${this.name} ${message.headers.eventType}`,
      {
        kind: SpanKind.CONSUMER,
        parent: oneTrace ? first : null,
        links: oneTrace ? [] : parents.slice(0, 32),
        attributes: {
          'messaging.consumer.group.name': this.name,
          'messaging.destination.name': message.topic,
          'messaging.batch.message_count': messages.length,
          'lapse.event_type': message.headers.eventType,
          ...(messages.length === 1 ? { 'messaging.message.id': message.headers.eventId } : {}),
        },
      },
      work,
    );
  }

  /** Inserts inbox rows; returns the event ids that had not been seen before. */
  private async claim(
    tx: PoolClient,
    items: readonly Classified[],
    outcome = 'processed',
  ): Promise<Set<string>> {
    const ids = items.flatMap((item) => (item.kind === 'handle' ? [item.consumed.headers.eventId] : []));
    if (ids.length === 0) return new Set();
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO lapse_inbox (consumer, event_id, outcome)
       SELECT $1, id, $3 FROM unnest($2::text[]) AS id
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.name, arrayLiteral(ids), outcome],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  /** Parks a message in the transaction and notes the letter in `letters`, for `copyParked` after the commit. */
  private async park(
    tx: PoolClient,
    letters: DeadLetter[],
    message: InboundMessage,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const letter: DeadLetter = { consumer: this.name, message, reason, attempts };
    await this.options.deadLetters.park(letter, tx);
    letters.push(letter);
  }

  /** After the commit: lets the sink copy what was parked over the network (the Kafka dead-letter topic). */
  private async copyParked(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0 || !this.options.deadLetters.parked) return;
    try {
      await this.options.deadLetters.parked(letters);
    } catch (error) {
      this.logger.warn(
        { err: describe(error), letters: letters.length },
        'dead letters parked in the table but not copied to the dead-letter topic',
      );
    }
  }

  private classify(message: InboundMessage): Classified {
    if (message.parseError)
      return { kind: 'malformed', message, reason: `INVALID_JSON: ${message.parseError}` };
    const { headers } = message;
    const problem =
      this.options.contracts.problemWith(headers.eventType, headers.schemaVersion, message.payload) ??
      (headers.eventId ? null : 'MISSING_EVENT_ID');
    if (problem) return { kind: 'malformed', message, reason: problem };
    const applier = this.appliers.get(headers.eventType as string);
    if (!applier) return { kind: 'skip', message };
    return {
      kind: 'handle',
      message,
      apply: applier.apply,
      idempotent: applier.idempotent,
      consumed: {
        topic: message.topic,
        key: message.key,
        headers: headers as MessageHeaders,
        payload: message.payload,
      },
    };
  }
}

/** Every handler as a handler of runs: a one-message handler is called for each message in order. */
function applierOf(handler: ConsumerHandler): Applier {
  if (typeof handler !== 'function') return { apply: handler.applyAll, idempotent: handler.idempotent };
  return {
    apply: async (messages, tx) => {
      for (const message of messages) await handler(message, tx);
    },
    idempotent: false,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
