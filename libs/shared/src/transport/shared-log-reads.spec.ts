import type { LogPosition, RecordedEvent } from '../event-sourcing/event';
import { SharedLogReads } from './shared-log-reads';

/** A log of `n` committed events, one transaction each (ids 1000 + i), read as `readAll` reads it. */
function logOf(n: number) {
  const events: RecordedEvent[] = Array.from({ length: n }, (_, i) => ({
    streamId: `s-${i}`,
    version: 1,
    globalPosition: String(i + 1),
    transactionId: String(1000 + i),
    type: 'Counted',
    schemaVersion: 1,
    data: { seq: i + 1 },
    metadata: {
      eventId: `e-${i + 1}`,
      correlationId: 'c',
      causationId: null,
      actor: 'system',
      occurredAt: '2026-12-07T00:00:00.000Z',
    },
    recordedAt: '2026-12-07T00:00:00.000Z',
  }));
  const reads: { after: LogPosition; limit: number }[] = [];
  let failNext = false;
  const store = {
    events,
    reads,
    failOnce: () => {
      failNext = true;
    },
    async readAll(after: LogPosition, limit: number): Promise<RecordedEvent[]> {
      reads.push({ after, limit });
      await new Promise((resolve) => setImmediate(resolve));
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      const key = (e: LogPosition) => [BigInt(e.transactionId), BigInt(e.globalPosition)] as const;
      const [tx, pos] = key(after);
      return store.events
        .filter((event) => {
          const [etx, epos] = key(event);
          return etx > tx || (etx === tx && epos > pos);
        })
        .slice(0, limit);
    },
  };
  return store;
}

const at = (event: RecordedEvent): LogPosition => ({
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
});
/** Reads of `readers` consumers through one `SharedLogReads`. */
function sharedBy(readers: number, log: ReturnType<typeof logOf>) {
  const reads = new SharedLogReads(log);
  for (let i = 0; i < readers; i++) reads.addReader();
  return reads;
}

const START: LogPosition = { transactionId: '0', globalPosition: '0' };
const seqs = (events: RecordedEvent[]) => events.map((event) => (event.data as { seq: number }).seq);

describe('SharedLogReads', () => {
  it('reads a range once for every consumer that asks for it, at once or later', async () => {
    const log = logOf(30);
    const reads = sharedBy(5, log);
    const [first, second] = await Promise.all([reads.readAll(START, 10), reads.readAll(START, 10)]);
    const third = await reads.readAll(START, 10);
    expect(seqs(first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqs(second)).toEqual(seqs(first));
    expect(seqs(third)).toEqual(seqs(first));
    expect(log.reads).toHaveLength(1);
  });

  it('hands a consumer whose position is inside a batch read for another the rest of that batch', async () => {
    const log = logOf(30);
    const reads = sharedBy(5, log);
    const batch = await reads.readAll(START, 10);
    expect(seqs(await reads.readAll(at(batch[3]), 10))).toEqual([5, 6, 7, 8, 9, 10]);
    expect(seqs(await reads.readAll(at(batch[3]), 2))).toEqual([5, 6]);
    expect(log.reads).toHaveLength(1);
    // At the batch's last event the range ends: the next one is read from the log.
    expect(seqs(await reads.readAll(at(batch[9]), 10))).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(log.reads).toHaveLength(2);
  });

  it('gives no more than the limit asked for from a batch read with a larger one', async () => {
    const log = logOf(30);
    const reads = sharedBy(5, log);
    await reads.readAll(START, 20);
    expect(seqs(await reads.readAll(START, 5))).toEqual([1, 2, 3, 4, 5]);
    expect(log.reads).toHaveLength(1);
  });

  it('does not keep an empty answer: events appended later are read', async () => {
    const log = logOf(3);
    const reads = sharedBy(5, log);
    const all = await reads.readAll(START, 10);
    expect(await reads.readAll(at(all[2]), 10)).toEqual([]);
    log.events.push({ ...all[2], globalPosition: '4', transactionId: '1003', data: { seq: 4 } });
    expect(seqs(await reads.readAll(at(all[2]), 10))).toEqual([4]);
    expect(log.reads).toHaveLength(3);
  });

  it('does not keep a failed read: the next consumer asks the log again', async () => {
    const log = logOf(5);
    const reads = sharedBy(5, log);
    log.failOnce();
    await expect(reads.readAll(START, 10)).rejects.toThrow('connection lost');
    expect(seqs(await reads.readAll(START, 10))).toEqual([1, 2, 3, 4, 5]);
    expect(log.reads).toHaveLength(2);
  });

  it('compares positions as numbers, not text (transaction 999 before 1000)', async () => {
    const log = logOf(0);
    const event = (tx: string, pos: string, seq: number): RecordedEvent => ({
      ...logOf(1).events[0],
      transactionId: tx,
      globalPosition: pos,
      data: { seq },
    });
    log.events.push(
      event('999', '7', 1),
      event('1000', '5', 2),
      event('1000', '6', 3),
      event('10000', '1', 4),
    );
    const reads = sharedBy(5, log);
    await reads.readAll(START, 10);
    expect(seqs(await reads.readAll({ transactionId: '999', globalPosition: '7' }, 10))).toEqual([2, 3, 4]);
    expect(seqs(await reads.readAll({ transactionId: '1000', globalPosition: '5' }, 10))).toEqual([3, 4]);
    expect(log.reads).toHaveLength(1);
  });

  it('drops a batch once every consumer has taken it', async () => {
    const log = logOf(30);
    const reads = sharedBy(2, log);
    await reads.readAll(START, 10);
    await reads.readAll(START, 10);
    expect(log.reads).toHaveLength(1);
    // Both consumers have it: a third ask (a consumer that went back to its checkpoint) reads the log.
    expect(seqs(await reads.readAll(START, 10))).toHaveLength(10);
    expect(log.reads).toHaveLength(2);
  });

  it('keeps a bounded number of events, dropping the oldest batches first', async () => {
    const log = logOf(6_000);
    const reads = sharedBy(5, log);
    let position = START;
    for (let i = 0; i < 12; i++) {
      const batch = await reads.readAll(position, 500);
      position = at(batch[batch.length - 1]);
    }
    expect(log.reads).toHaveLength(12);
    // 5,000 events are kept: the last ten batches; the first two were dropped and are read again.
    expect(seqs(await reads.readAll(at(log.events[1_233]), 3))).toEqual([1_235, 1_236, 1_237]);
    expect(log.reads).toHaveLength(12);
    expect(seqs(await reads.readAll(at(log.events[499]), 3))).toEqual([501, 502, 503]);
    expect(log.reads).toHaveLength(13);
  });
});
