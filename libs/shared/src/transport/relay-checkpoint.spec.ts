import type { LogPosition } from '../event-sourcing/event';
import { silentLogger } from '../logging/logger';
import { RelayCheckpoint } from './relay-checkpoint';

const at = (n: number): LogPosition => ({ transactionId: String(n), globalPosition: String(n) });

/** A store whose writes wait until released, to look at the checkpoint while a write is in flight. */
function slowStore(initial: LogPosition = at(0)) {
  const saved: string[] = [];
  const waiting: (() => void)[] = [];
  let failNext = false;
  return {
    saved,
    failNext: () => {
      failNext = true;
    },
    release: async () => {
      while (waiting.length > 0) {
        waiting.shift()?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    persistence: {
      load: async () => initial,
      save: (position: LogPosition) =>
        new Promise<void>((resolve, reject) => {
          waiting.push(() => {
            if (failNext) {
              failNext = false;
              reject(new Error('database unavailable'));
              return;
            }
            saved.push(position.globalPosition);
            resolve();
          });
        }),
    },
  };
}

describe('RelayCheckpoint', () => {
  it('resumes from the persisted position until something is acknowledged', async () => {
    const store = slowStore(at(7));
    const checkpoint = new RelayCheckpoint(store.persistence, silentLogger, 0);

    expect(await checkpoint.resumePosition()).toEqual(at(7));
  });

  it('persists only acknowledged positions, in order, skipping to the newest while a write is in flight', async () => {
    const store = slowStore();
    const checkpoint = new RelayCheckpoint(store.persistence, silentLogger, 0);

    checkpoint.acknowledged(at(1));
    checkpoint.acknowledged(at(2));
    checkpoint.acknowledged(at(3));
    await store.release();

    expect(store.saved).toEqual(['1', '3']);
  });

  it('resumes from the newest acknowledged position, not the older persisted one', async () => {
    const store = slowStore(at(0));
    const checkpoint = new RelayCheckpoint(store.persistence, silentLogger, 0);

    checkpoint.acknowledged(at(5));

    expect(await checkpoint.resumePosition()).toEqual(at(5));
    await store.release();
  });

  it('flushes the newest acknowledged position before a stop completes', async () => {
    const store = slowStore();
    const checkpoint = new RelayCheckpoint(store.persistence, silentLogger, 0);
    checkpoint.acknowledged(at(1));
    checkpoint.acknowledged(at(2));

    let flushed = false;
    const flush = checkpoint.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    await store.release();
    await flush;

    expect(store.saved).toEqual(['1', '2']);
  });

  it('tries a failed write again with the next acknowledgement, and says so when a flush cannot persist', async () => {
    const store = slowStore();
    const checkpoint = new RelayCheckpoint(store.persistence, silentLogger, 0);

    store.failNext();
    checkpoint.acknowledged(at(1));
    await store.release();
    expect(store.saved).toEqual([]);

    store.failNext();
    const flush = expect(checkpoint.flush()).rejects.toThrow('relay checkpoint could not be saved');
    await store.release();
    await flush;

    checkpoint.acknowledged(at(2));
    await store.release();
    expect(store.saved).toEqual(['2']);
  });

  it('writes at most once an interval, and a flush writes what the interval held back', async () => {
    const store = slowStore();
    const checkpoint = new RelayCheckpoint(store.persistence, silentLogger, 60_000);

    checkpoint.acknowledged(at(1));
    await store.release();
    checkpoint.acknowledged(at(2));
    checkpoint.acknowledged(at(3));
    await store.release();
    expect(store.saved).toEqual(['1']);

    const flush = checkpoint.flush();
    await store.release();
    await flush;
    expect(store.saved).toEqual(['1', '3']);
  });
});
