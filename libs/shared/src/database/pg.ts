import { Pool, PoolClient, QueryResultRow } from 'pg';
import { transactionBegan, transactionEnded } from '../event-store/log-wake';

/** Anything that can run a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * `keepOpen`: a fixed-size pool (a service's own): the connections it opened stay open when idle, instead of
 * closing after 10 s and being opened again by the next burst (a SCRAM exchange and a new backend each, in
 * the middle of that burst). They do not keep the process alive on their own.
 */
export function createPool(connectionString: string, max = 10, options: { keepOpen?: boolean } = {}): Pool {
  const pool = new Pool({
    connectionString,
    max,
    application_name: 'lapse',
    ...(options.keepOpen ? { min: max, allowExitOnIdle: true } : {}),
  });
  // An idle client error (e.g. the server restarting) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // The pool listens for errors only on idle clients: a checked-out client whose backend ends between two
  // queries (the server restarting, pg_terminate_backend, a failover) emitted an 'error' nobody heard, and the
  // process died. The work that holds it still learns of it: its next query rejects, and a client released
  // unqueryable is discarded by the pool.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** Opens `count` connections of `pool` at once and returns them to it idle (a service's pool, at start). */
export async function warmPool(pool: Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) client.release();
}

/** The statement each open transaction sends together with its COMMIT (`commitWith`). */
const lastStatements = new WeakMap<PoolClient, string>();

/**
 * Runs `work` inside one transaction on its own client; commits on success, rolls back on error. Once a
 * transaction that appended events commits, the event log's readers are woken (event-store/log-wake.ts).
 */
export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    transactionBegan(client, pool);
    const result = await work(client);
    const last = lastStatements.get(client);
    // One simple query: PostgreSQL runs its statements in order and stops at the first that fails, so the
    // COMMIT runs only after the last statement succeeded (a failure rolls back below).
    await client.query(last === undefined ? 'COMMIT' : `${last};\nCOMMIT`);
    transactionEnded(client, true);
    return result;
  } catch (error) {
    transactionEnded(client, false);
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    lastStatements.delete(client);
    client.release();
  }
}

/**
 * Makes `statement` the transaction's last one, sent in the same round trip as its COMMIT by
 * `withTransaction` (which `tx` must be open in): a consumer's checkpoint, written after its effects, costs
 * no round trip of its own. The statement goes through the simple-query protocol, without parameters: every
 * value in it must be a literal escaped with `escapeLiteral` from `pg`. A later call replaces an earlier one.
 *
 * Why not a pipeline: node-postgres sends a client's next query only once the previous one has been answered.
 */
export function commitWith(tx: PoolClient, statement: string): void {
  lastStatements.set(tx, statement);
}

export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return (
    pgError?.code === UNIQUE_VIOLATION && (constraint === undefined || pgError.constraint === constraint)
  );
}

/** An element an array literal can carry as it is: no quote, backslash, brace, comma or white space. */
const BARE_ELEMENT = /^[^\s{}",\\]+$/;

/**
 * `values` as one PostgreSQL array literal, for a parameter cast to an array type (`$1::text[]`, `int[]`,
 * `timestamptz[]`, …): the same value node-postgres sends for an array, built in one pass. node-postgres
 * quotes and escapes every element (two regular-expression replaces and a concatenation each); in identity's
 * bulk consumer that was the largest allocation of all (docs/performance.md). Elements that need no quoting
 * (ids, numbers, timestamps, statuses) go as they are; the others are quoted, `"` and `\` escaped; null and
 * undefined are NULL.
 */
export function arrayLiteral(values: readonly (string | number | boolean | null | undefined)[]): string {
  const elements = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) elements[i] = 'NULL';
    else {
      const text = String(value);
      elements[i] =
        BARE_ELEMENT.test(text) && (text.length !== 4 || text.toUpperCase() !== 'NULL')
          ? text
          : `"${text.replace(/[\\"]/g, '\\$&')}"`;
    }
  }
  return `{${elements.join(',')}}`;
}
