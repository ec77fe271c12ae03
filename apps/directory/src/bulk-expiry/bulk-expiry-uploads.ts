import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  EventStoreProvider,
  ID_SOURCE,
  type IdSource,
  NotFoundError,
  PG_POOL,
  type Queryable,
  ValidationFailedError,
} from '@lapse/shared';
import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { finished } from 'node:stream/promises';
import type { Pool } from 'pg';
import { writeAudit } from '../audit/audit-log';
import type { Caller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { USERS_VIEW } from '../user/read-models/directory-users.projection';

/** Ids per INSERT while an upload streams in: the most the process holds of it at once. */
const UPLOAD_BATCH = 5000;
/** How many unknown ids the answer names (it always says how many there are). */
const UNKNOWN_IDS_SHOWN = 10;
/** A line longer than this cannot be an id; the upload fails on it without reading the line further. */
const MAX_LINE_CHARS = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface BulkExpiryUpload {
  readonly id: string;
  /** Distinct ids of users (known when uploaded): the set a bulk expiry naming the upload is scoped to. */
  readonly count: number;
  /** Distinct ids no user had when uploaded: how many, and the first few in the order of the upload. */
  readonly unknown: { readonly total: number; readonly first: string[] };
  /** Lines repeating an id an earlier line gave. */
  readonly duplicates: number;
  readonly expiresAt: string;
}

/**
 * The lines of a text stream, one at a time, read as the caller consumes them (so a slow consumer — the
 * database — holds the client back instead of the process buffering its body). Written here rather than
 * with `readline` (whose async iterator reads ahead of its consumer) or split2 (not a dependency): it also
 * needs to stop at the first over-long line without buffering it.
 */
export async function* lines(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk?: Buffer) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new ValidationFailedError(['the upload is not UTF-8 text']);
    }
  };
  let rest = '';
  for await (const chunk of body) {
    rest += typeof chunk === 'string' ? chunk : decode(chunk);
    let end = rest.indexOf('\n');
    while (end >= 0) {
      yield rest.slice(0, end);
      rest = rest.slice(end + 1);
      end = rest.indexOf('\n');
    }
    // No id is this long: hand the over-long line on now (the caller refuses it) rather than buffer more.
    if (rest.length > MAX_LINE_CHARS) {
      yield rest;
      rest = '';
    }
  }
  rest += decode();
  if (rest.length > 0) yield rest;
}

/** A `text/plain` line's id (surrounding spaces dropped); null for a blank line. */
function plainLines(line: string): string | null {
  const value = line.trim();
  return value === '' ? null : value;
}

/**
 * A `text/csv` upload's ids: the first non-blank line is the header and names the column (case-insensitive);
 * each later non-blank line is one record (fields may be quoted; a field may not span lines, so line numbers
 * stay the file's). Returns the reader of one line: the column's value, or null for the header and blank lines.
 */
function csvColumn(column: string): (line: string, lineNumber: number) => string | null {
  let index: number | null = null;
  return (line, lineNumber) => {
    if (line.trim() === '') return null;
    let fields: string[];
    try {
      [fields = []] = parseCsv(line, { relax_quotes: false, trim: true }) as string[][];
    } catch {
      throw new ValidationFailedError([`line ${lineNumber}: not a CSV record`]);
    }
    if (index === null) {
      index = fields.findIndex((name) => name.toLowerCase() === column);
      if (index < 0)
        throw new ValidationFailedError([`line ${lineNumber}: the CSV header has no ${column} column`]);
      return null;
    }
    return fields[index] ?? '';
  };
}

/** Consumes what is left of a request body (bounded by the gateway's limit), so its answer reaches the client. */
async function drain(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return;
  body.resume();
  try {
    await finished(body);
  } catch {
    // The client went away: nothing is left to read.
  }
}

/**
 * Bulk-expiry uploads: a list of user ids larger than a JSON body takes, streamed in as `text/plain` (one id a
 * line, blank lines ignored) into `directory_bulk_expiry_upload_users` in batches of 5,000 inside one
 * transaction — a bad line, or more ids than BULK_EXPIRY_UPLOAD_MAX_IDS, rolls the whole upload back. A bulk
 * expiry then names it (`uploadId`) and is scoped to its users. Uploads expire after
 * BULK_EXPIRY_UPLOAD_LIFETIME_SECONDS; expired ones are deleted whenever an upload is made or read.
 */
@Injectable()
export class BulkExpiryUploads {
  constructor(
    private readonly eventStore: EventStoreProvider,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async create(body: Readable, caller: Caller, csv = false): Promise<BulkExpiryUpload> {
    const now = this.clock.now();
    await this.deleteExpired(this.pool, now);
    const id = this.ids.next();
    const expiresAt = new Date(
      now.getTime() + this.config.bulkExpiryUploadLifetimeSeconds * 1000,
    ).toISOString();
    const max = this.config.bulkExpiryUploadMaxIds;
    try {
      return await this.eventStore.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO directory_bulk_expiry_uploads (id, count, unknown, duplicates, actor, created_at, expires_at)
           VALUES ($1, 0, 0, 0, $2, $3, $4)`,
          [id, caller.actor, now.toISOString(), expiresAt],
        );
        let lineNumber = 0;
        let ids = 0;
        let inserted = 0;
        let unknown = 0;
        const firstUnknown: string[] = [];
        let batch: string[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          const { rows } = await tx.query<{ inserted: number; unknown: number; first: string[] | null }>(
            `WITH given AS (SELECT id, min(n) AS n FROM unnest($2::uuid[]) WITH ORDINALITY AS g(id, n) GROUP BY id),
                  added AS (
                    INSERT INTO directory_bulk_expiry_upload_users (upload_id, user_id, known)
                    SELECT $1, given.id, EXISTS (SELECT 1 FROM ${USERS_VIEW} u WHERE u.id = given.id)
                      FROM given ORDER BY given.n
                    ON CONFLICT DO NOTHING RETURNING user_id, known)
             SELECT count(*)::int AS inserted, count(*) FILTER (WHERE NOT known)::int AS unknown,
                    (array_agg(added.user_id ORDER BY given.n) FILTER (WHERE NOT known))[1:$3] AS first
               FROM added JOIN given ON given.id = added.user_id`,
            [id, batch, UNKNOWN_IDS_SHOWN],
          );
          inserted += rows[0].inserted;
          unknown += rows[0].unknown;
          for (const userId of rows[0].first ?? []) {
            if (firstUnknown.length < UNKNOWN_IDS_SHOWN) firstUnknown.push(userId);
          }
          batch = [];
        };
        const read = csv ? csvColumn('id') : plainLines;
        // Not destroyed when the loop stops at a bad line: the rest is drained so the client reads the answer.
        for await (const raw of lines(body.iterator({ destroyOnReturn: false }))) {
          lineNumber++;
          const line = read(lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw, lineNumber);
          if (line === null) continue;
          if (!UUID.test(line)) {
            throw new ValidationFailedError([
              csv
                ? `line ${lineNumber}: not a user id in the id column`
                : `line ${lineNumber}: not a user id (one id a line is expected)`,
            ]);
          }
          ids++;
          if (ids > max) throw new ValidationFailedError([`the upload holds more than ${max} ids`]);
          batch.push(line.toLowerCase());
          if (batch.length >= UPLOAD_BATCH) await flush();
        }
        await flush();
        if (ids === 0)
          throw new ValidationFailedError(['the upload holds no user id (one id a line is expected)']);
        const upload: BulkExpiryUpload = {
          id,
          count: inserted - unknown,
          unknown: { total: unknown, first: firstUnknown },
          duplicates: ids - inserted,
          expiresAt,
        };
        await tx.query(
          'UPDATE directory_bulk_expiry_uploads SET count = $2, unknown = $3, duplicates = $4 WHERE id = $1',
          [id, upload.count, unknown, upload.duplicates],
        );
        await writeAudit(tx, [
          {
            eventType: 'user.lifecycle.password_mass_expiry.upload',
            actor: caller.audit,
            target: { id, type: 'BulkExpiryUpload', alternateId: null },
            outcome: 'SUCCESS',
            reason: null,
            correlationId: caller.correlationId,
            displayMessage: `Upload a list of ${upload.count} users for a bulk expiry (${unknown} unknown ids, ${upload.duplicates} duplicates)`,
            debugData: { count: upload.count, unknown, duplicates: upload.duplicates, expiresAt },
            published: now.toISOString(),
          },
        ]);
        return upload;
      });
    } catch (error) {
      await drain(body);
      throw error;
    }
  }

  /** The ids of an upload's users (those that still are), in id order; an unknown or expired upload is 404. */
  async userIds(uploadId: string): Promise<string[]> {
    const now = this.clock.now();
    await this.deleteExpired(this.pool, now);
    const { rows: found } = await this.pool.query(
      'SELECT 1 FROM directory_bulk_expiry_uploads WHERE id = $1 AND expires_at > $2',
      [uploadId, now.toISOString()],
    );
    if (found.length === 0) throw new NotFoundError('Upload');
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT u.user_id AS id FROM directory_bulk_expiry_upload_users u
         JOIN ${USERS_VIEW} v ON v.id = u.user_id
        WHERE u.upload_id = $1 AND u.known ORDER BY u.user_id`,
      [uploadId],
    );
    return rows.map((row) => row.id);
  }

  private async deleteExpired(db: Queryable, now: Date): Promise<void> {
    await db.query('DELETE FROM directory_bulk_expiry_uploads WHERE expires_at <= $1', [now.toISOString()]);
  }
}
