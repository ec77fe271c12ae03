import { EVENTS_CHANNEL, type EventMetadata, type Queryable, type DomainEvent } from '@lapse/shared';

export interface StreamAppend {
  readonly streamId: string;
  /** The stream's version before these events; the unique (stream_id, version) index enforces it. */
  readonly expectedVersion: number;
  readonly events: readonly { readonly event: DomainEvent; readonly metadata: EventMetadata }[];
}

/**
 * Appends to many streams in one statement (bulk fan-out). Each stream's events get versions
 * `expectedVersion + 1…`; if another writer got there first the unique index fails the whole statement
 * and the caller retries the batch after re-reading. Same table and columns as `PostgresEventStore.append`.
 */
export async function appendToManyStreams(tx: Queryable, appends: readonly StreamAppend[]): Promise<number> {
  const rows = appends.flatMap((append) =>
    append.events.map((item, index) => ({
      streamId: append.streamId,
      streamType: append.streamId.split('-', 1)[0],
      version: append.expectedVersion + index + 1,
      ...item,
    })),
  );
  if (rows.length === 0) return 0;
  // One JSON parameter instead of eight arrays: no array-literal escaping of every JSON document.
  const payload = JSON.stringify(
    rows.map((r) => ({
      s: r.streamId,
      t: r.streamType,
      v: r.version,
      i: r.metadata.eventId,
      y: r.event.type,
      n: r.event.schemaVersion,
      d: r.event.data,
      m: r.metadata,
    })),
  );
  await tx.query(
    `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
     SELECT s, t, v, i, y, n, d, m
       FROM json_to_recordset($1::json) AS e(s text, t text, v int, i uuid, y text, n int, d jsonb, m jsonb)`,
    [payload],
  );
  await tx.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`);
  return rows.length;
}
