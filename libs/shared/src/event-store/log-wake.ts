import { Pool } from 'pg';

/** The PostgreSQL channel on which log readers (LogNotifications) are told that events were appended. */
export const EVENTS_CHANNEL = 'lapse_events';

/**
 * Wakes the event log's readers after appends commit, with a `pg_notify` of its own after the commit rather
 * than one inside the appending transaction.
 *
 * Why not inside: PostgreSQL commits a transaction that sent a NOTIFY while holding one global lock (the
 * notification queue's) across its commit record's flush, so notifying transactions commit one at a time and
 * never share a WAL flush. Measured on this project's 2-core machine: 583–773 commits/s with the NOTIFY in
 * the transaction, 1,644–2,695 without; at 1,000 appends/s the appends queued for seconds (docs/performance.md,
 * "Kafka path latency"). A NOTIFY alone writes no WAL, so its own commit is short.
 *
 * Each pool has at most one such NOTIFY in flight and one more queued behind it: a commit that asks while one
 * is in flight may have committed after that NOTIFY was sent, so one more goes after it; many commits meanwhile
 * share it. A lost wake-up costs only latency: readers also poll (LogTailer).
 */
const wakes = new WeakMap<Pool, { inFlight: boolean; again: boolean }>();

/** The transactions `withTransaction` holds open, with their pool and whether events were appended in them. */
const transactions = new WeakMap<object, { pool: Pool; appended: boolean }>();

export function wakeLogReaders(pool: Pool): void {
  let wake = wakes.get(pool);
  if (!wake) {
    wake = { inFlight: false, again: false };
    wakes.set(pool, wake);
  }
  if (wake.inFlight) {
    wake.again = true;
    return;
  }
  wake.inFlight = true;
  const state = wake;
  const finish = (): void => {
    if (!state.again) {
      state.inFlight = false;
      return;
    }
    state.again = false;
    send();
  };
  const send = (): void => {
    try {
      pool.query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`).then(finish, finish);
    } catch {
      state.inFlight = false; // the pool has ended: there is no reader left to wake through it
    }
  };
  send();
}

/** Called by `withTransaction` once `BEGIN` ran on `client`. */
export function transactionBegan(client: object, pool: Pool): void {
  transactions.set(client, { pool, appended: false });
}

/** Called by `withTransaction` when the transaction on `client` ended; wakes the readers if it committed events. */
export function transactionEnded(client: object, committed: boolean): void {
  const transaction = transactions.get(client);
  transactions.delete(client);
  if (committed && transaction?.appended) wakeLogReaders(transaction.pool);
}

/**
 * After events were appended through `db`: in a transaction `withTransaction` holds, the readers are woken once
 * it commits (never before, when they would find nothing); on a pool (the statement committed on its own),
 * now, through that pool, or through `pool` when `db` is a client outside any transaction known here.
 */
export function eventsAppended(db: object, pool?: Pool): void {
  const transaction = transactions.get(db);
  if (transaction) {
    transaction.appended = true;
    return;
  }
  if (db instanceof Pool) wakeLogReaders(db);
  else if (pool) wakeLogReaders(pool);
}
