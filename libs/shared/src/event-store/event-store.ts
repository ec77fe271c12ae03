import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Queryable } from '../database/pg';
import { isUniqueViolation } from '../database/pg';
import { VersionConflictError } from '../errors';
import type { DomainEvent, EventMetadata, LogPosition, RecordedEvent } from '../event-sourcing/event';

import { eventsAppended } from './log-wake';

export { EVENTS_CHANNEL } from './log-wake';
const STREAM_VERSION_CONSTRAINT = 'lapse_events_stream_version_key';

export interface EventToAppend {
  readonly event: DomainEvent;
  readonly metadata: EventMetadata;
}

/** One stream's share of a many-stream append. */
export interface StreamAppend {
  readonly streamId: string;
  /** The stream's version before these events; the unique (stream_id, version) index enforces it. */
  readonly expectedVersion: number;
  readonly events: readonly EventToAppend[];
}

interface EventRow {
  position: string;
  txid: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: string;
}

/**
 * `recorded_at` comes as the ISO 8601 text `Date#toISOString` writes (UTC, milliseconds) and
 * `global_position` as text: node-postgres's own parsing of either (a regular expression and a Date per
 * row) was a tenth of the relay's CPU in a bulk fan-out.
 */
const COLUMNS = `global_position::text AS position, transaction_id::text AS txid, stream_id, version, type,
  schema_version, data, metadata,
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at`;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    version: row.version,
    globalPosition: row.position,
    transactionId: row.txid,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

/**
 * Committed events after the position `($1, $2)` that an open older transaction holds back: they belong to
 * transactions that ended between the in-progress ones of the current snapshot, so only those gaps of
 * transaction ids are looked in (an index range each), never the rows of transactions still in progress.
 */
const HELD_BACK_AFTER_POSITION = `
  SELECT 1
    FROM pg_current_snapshot() AS snapshot,
         LATERAL (SELECT xid AS low, lead(xid, 1, pg_snapshot_xmax(snapshot)) OVER (ORDER BY xid) AS high
                    FROM pg_snapshot_xip(snapshot) AS xid) AS gap,
         LATERAL (SELECT 1 FROM lapse_events
                   WHERE transaction_id > gap.low AND transaction_id < gap.high
                     AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
                   LIMIT 1) AS committed`;

/** A reader's backlog up to this many events is counted; a longer one is estimated (`backlogAfter`). */
export const BACKLOG_COUNTED_UP_TO = 1_000;

/**
 * PostgreSQL event store. Optimistic concurrency is enforced by the unique `(stream_id, version)` index,
 * so a lost race surfaces as `VersionConflictError` instead of a silent overwrite.
 *
 * (Output columns are aliased `txid` and `position`: an alias named `transaction_id` or `global_position` would
 * make ORDER BY sort the text form.)
 * The global log is read in `(transaction_id, global_position)` order and only up to the oldest
 * transaction still in flight, so a reader never skips an event whose transaction commits late.
 */
export class PostgresEventStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Appends events to a stream whose current version must be `expectedVersion` (0 for a new stream).
   * Pass `tx` to append inside a caller's transaction (e.g. together with a read-model write).
   */
  async append(
    streamId: string,
    expectedVersion: number,
    events: readonly EventToAppend[],
    tx?: Queryable,
  ): Promise<RecordedEvent[]> {
    if (events.length === 0) return [];
    const db = tx ?? this.pool;
    const streamType = streamId.split('-', 1)[0];
    try {
      const { rows } = await db.query<EventRow>(
        `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
         SELECT $1, $2, $3::int + ordinality, e.event_id, e.type, e.schema_version, e.data, e.metadata
           FROM unnest($4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])
                WITH ORDINALITY AS e(event_id, type, schema_version, data, metadata, ordinality)
         RETURNING ${COLUMNS}`,
        [
          streamId,
          streamType,
          expectedVersion,
          events.map((e) => e.metadata.eventId),
          events.map((e) => e.event.type),
          events.map((e) => e.event.schemaVersion),
          events.map((e) => JSON.stringify(e.event.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      );
      // The log's readers are woken after the commit, not by a NOTIFY in this transaction (log-wake.ts).
      eventsAppended(db, this.pool);
      return rows.map(toRecorded).sort((a, b) => a.version - b.version);
    } catch (error) {
      if (isUniqueViolation(error, STREAM_VERSION_CONSTRAINT)) {
        throw new VersionConflictError(streamId, expectedVersion);
      }
      throw error;
    }
  }

  /**
   * Appends to many streams in one statement (bulk fan-out, batch import): each stream's events get
   * versions `expectedVersion + 1…`. If any stream moved on, the whole statement fails with a
   * `VersionConflictError` and the caller re-reads and retries. Returns the number of events appended.
   */
  async appendToStreams(appends: readonly StreamAppend[], tx?: Queryable): Promise<number> {
    const rows = appends.flatMap((append) =>
      append.events.map((item, index) => ({
        s: append.streamId,
        t: append.streamId.split('-', 1)[0],
        v: append.expectedVersion + index + 1,
        i: item.metadata.eventId,
        y: item.event.type,
        n: item.event.schemaVersion,
        d: item.event.data,
        m: item.metadata,
      })),
    );
    if (rows.length === 0) return 0;
    const db = tx ?? this.pool;
    try {
      // One JSON parameter instead of eight arrays: no array-literal escaping of every JSON document.
      await db.query(
        `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
         SELECT s, t, v, i, y, n, d, m
           FROM json_to_recordset($1::json) AS e(s text, t text, v int, i uuid, y text, n int, d jsonb, m jsonb)`,
        [JSON.stringify(rows)],
      );
    } catch (error) {
      if (isUniqueViolation(error, STREAM_VERSION_CONSTRAINT)) {
        throw new VersionConflictError(appends.map((append) => append.streamId).join(','), -1);
      }
      throw error;
    }
    eventsAppended(db, this.pool);
    return rows.length;
  }

  async readStream(streamId: string, db: Queryable = this.pool): Promise<RecordedEvent[]> {
    const { rows } = await db.query<EventRow>(
      `SELECT ${COLUMNS} FROM lapse_events WHERE stream_id = $1 ORDER BY version`,
      [streamId],
    );
    return rows.map(toRecorded);
  }

  /** Events committed after `after`, oldest first, never past a transaction that is still open. */
  async readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${COLUMNS} FROM lapse_events
        WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, global_position
        LIMIT $3`,
      [after.transactionId, after.globalPosition, limit],
    );
    return rows.map(toRecorded);
  }

  /**
   * Whether committed events after `after` exist that `readAll` holds back because an older transaction
   * (of any kind, not only an append) is still open. Such a transaction does not notify when it ends, so a
   * reader that sees this should look again shortly instead of waiting for its poll.
   *
   * Held-back events belong to transactions that ended between the in-progress ones of the current snapshot,
   * so it looks only in those gaps of transaction ids (an index range each), never at the rows of transactions
   * still in progress: checking those one by one made each call slow while a bulk fan-out's batches of
   * thousands of events were in flight.
   */
  async hasHeldBack(after: LogPosition): Promise<boolean> {
    const { rows } = await this.pool.query<{ held: boolean }>(
      `SELECT EXISTS (${HELD_BACK_AFTER_POSITION}) AS held`,
      [after.transactionId, after.globalPosition],
    );
    return rows[0]?.held ?? false;
  }

  /**
   * What a reader at `after` has left to read, in one snapshot: `readable` when `readAll` would return events
   * now, `held-back` when committed events wait behind an older transaction still open (look again soon),
   * `none` otherwise (wait for a notification or the poll). A reader that found nothing must ask this rather
   * than `hasHeldBack` alone: the older transaction that held an append back when it read may have ended since
   * (it does not notify), and then nothing is held back any more but the append is unread.
   */
  async unreadAfter(after: LogPosition): Promise<'readable' | 'held-back' | 'none'> {
    // The first readable event in reading order, not EXISTS: PostgreSQL drops ORDER BY and LIMIT from an
    // EXISTS, and with statistics from before a burst of appends it then chose a sequential scan from the
    // table's start for the rows after `after`, which are at its end (57 ms and 9,000 pages a call during a
    // bulk expiry, docs/performance.md); in order, it is one probe of the primary key.
    const { rows } = await this.pool.query<{ unread: 'readable' | 'held-back' | 'none' }>(
      `SELECT CASE
         WHEN (SELECT true FROM lapse_events
                WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
                  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY transaction_id, global_position LIMIT 1) THEN 'readable'
         WHEN EXISTS (${HELD_BACK_AFTER_POSITION}) THEN 'held-back'
         ELSE 'none' END AS unread`,
      [after.transactionId, after.globalPosition],
    );
    return rows[0]?.unread ?? 'none';
  }

  /**
   * How far a reader at `after` is behind: the events after it (committed or not yet readable), counted up to
   * `BACKLOG_COUNTED_UP_TO` and past that estimated from the log positions between the first of them and the
   * log's head (positions skipped by rolled-back appends count; on Kafka the lag is approximate too), and when
   * the oldest of them was recorded. Counting a backlog of 100,000 events cost 50–110 ms a call (a bitmap scan
   * and a sort of all of them) during a bulk expiry, when the database was busiest; this reads at most that many
   * index entries and the head.
   */
  async backlogAfter(after: LogPosition): Promise<{ events: number; oldestRecordedAt: Date | null }> {
    const { rows } = await this.pool.query<{
      counted: number;
      first: string | null;
      head: string | null;
      oldest: Date | null;
    }>(
      `WITH pending AS (
         SELECT global_position, recorded_at FROM lapse_events
          WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
          ORDER BY transaction_id, global_position LIMIT ${BACKLOG_COUNTED_UP_TO + 1}
       )
       SELECT count(*)::int AS counted, min(recorded_at) AS oldest, min(global_position)::text AS first,
              (SELECT global_position FROM lapse_events
                ORDER BY transaction_id DESC, global_position DESC LIMIT 1)::text AS head
         FROM pending`,
      [after.transactionId, after.globalPosition],
    );
    const row = rows[0];
    if (!row || row.counted === 0) return { events: 0, oldestRecordedAt: null };
    const events =
      row.counted <= BACKLOG_COUNTED_UP_TO
        ? row.counted
        : Math.max(row.counted, Number(row.head) - Number(row.first) + 1);
    return { events, oldestRecordedAt: row.oldest };
  }

  /** The newest position in the log (for lag metrics). */
  async headPosition(): Promise<LogPosition | null> {
    // Aliased `txid`: an alias named `transaction_id` would make ORDER BY sort its text form.
    const { rows } = await this.pool.query<{ txid: string; global_position: string }>(
      `SELECT transaction_id::text AS txid, global_position FROM lapse_events
        ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    return rows[0] ? { transactionId: rows[0].txid, globalPosition: rows[0].global_position } : null;
  }
}

export function newEventId(): string {
  return randomUUID();
}
