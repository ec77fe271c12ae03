import type { LogPosition, RecordedEvent } from '../event-sourcing/event';
import type { PostgresEventStore } from '../event-store/event-store';

/**
 * At most this many events are kept for the consumers that have not taken them yet, oldest dropped first. The
 * consumers with nothing to do for an event run ahead in small batches at the head of the log while the busy
 * ones follow a few thousand events behind; one further behind reads its own.
 */
const KEPT_EVENTS = 5_000;

interface Batch {
  readonly after: LogPosition;
  /** Resolved events, once the read has answered (null while it is in flight). */
  events: readonly RecordedEvent[] | null;
  readonly read: Promise<readonly RecordedEvent[]>;
  /** How many consumers it has been handed to. */
  taken: number;
  /** Its events count towards `KEPT_EVENTS`. */
  kept: boolean;
}

/**
 * One read of the log for every consumer of an all-in-one process. The embedded transport's consumers each
 * tail the same log and, during a burst of appends, at nearly the same place: each read and parsed every
 * event again (five consumers: five times the rows out of PostgreSQL, five times the JSON parsed, the
 * largest part of the process's CPU during a 100,000-user bulk expiry, docs/performance.md).
 *
 * A range of the log, once read, never changes: `readAll` returns only events of transactions that had ended
 * when it read, and any transaction that commits later sorts after all of them. So the batch read for one
 * consumer is exactly what another asking from the same position, or from any event inside it, would read:
 * it is handed out again (the part after that position), and a read still in flight is joined rather than
 * repeated. An empty answer is not kept (the log grows after it). The batch a joiner gets may predate the
 * append that woke it; the tailer's own check for unread events (`unreadAfter`, always a fresh query) finds
 * that append, as it does after any short batch.
 *
 * The events are shared between the consumers: a handler must not change a delivered message (none does;
 * on Kafka each consumer gets its own copy).
 *
 * Written here rather than taken from a library: it is a cache keyed by log ranges whose validity rests on
 * the log's reading order (above), which no general-purpose cache knows.
 */
export class SharedLogReads {
  private readonly batches: Batch[] = [];
  private readers = 0;
  private keptEvents = 0;

  constructor(private readonly store: Pick<PostgresEventStore, 'readAll'>) {}

  /**
   * One more consumer reads through this. A batch every consumer has taken is dropped at once: kept longer,
   * its events outlived the young generation and were promoted, and the all-in-one process's peak memory
   * grew by 30–40 MB.
   */
  addReader(): void {
    this.readers++;
  }

  /** Up to `limit` events committed after `after`, oldest first: `PostgresEventStore.readAll`'s contract. */
  async readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
    for (const batch of this.batches) {
      if (samePosition(batch.after, after)) {
        this.took(batch);
        return (await batch.read).slice(0, limit);
      }
      const events = batch.events;
      if (!events || events.length === 0) continue;
      if (compare(after, batch.after) > 0 && compare(after, positionOf(events[events.length - 1])) < 0) {
        this.took(batch);
        const next = firstAfter(events, after);
        return events.slice(next, next + limit);
      }
    }
    const batch: Batch = {
      after,
      events: null,
      read: this.store.readAll(after, limit),
      taken: 0,
      kept: false,
    };
    this.took(batch);
    this.batches.push(batch);
    try {
      const events = await batch.read;
      batch.events = events;
      if (events.length === 0 || batch.taken >= this.readers) this.forget(batch);
      else this.keep(batch);
      return [...events];
    } catch (error) {
      this.forget(batch);
      throw error;
    }
  }

  private took(batch: Batch): void {
    batch.taken++;
    // Still in flight: the reader that started it drops it once it has answered.
    if (batch.events && batch.taken >= this.readers) this.forget(batch);
  }

  private keep(batch: Batch): void {
    batch.kept = true;
    this.keptEvents += batch.events?.length ?? 0;
    while (this.keptEvents > KEPT_EVENTS) {
      const oldest = this.batches.find((kept) => kept.kept && kept !== batch);
      if (!oldest) break;
      this.forget(oldest);
    }
  }

  private forget(batch: Batch): void {
    const at = this.batches.indexOf(batch);
    if (at < 0) return;
    this.batches.splice(at, 1);
    if (batch.kept) this.keptEvents -= batch.events?.length ?? 0;
  }
}

function positionOf(event: RecordedEvent): LogPosition {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}

function samePosition(a: LogPosition, b: LogPosition): boolean {
  return a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;
}

/** Reading order: transaction id, then position (both unsigned 64-bit integers as decimal text). */
function compare(a: LogPosition, b: LogPosition): number {
  return (
    compareDecimal(a.transactionId, b.transactionId) || compareDecimal(a.globalPosition, b.globalPosition)
  );
}

function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first event after `after` (binary search; the events are in reading order). */
function firstAfter(events: readonly RecordedEvent[], after: LogPosition): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(positionOf(events[middle]), after) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
