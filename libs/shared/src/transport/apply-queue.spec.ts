import { ApplyQueue } from './apply-queue';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A `work` that records its calls and finishes each one only when the test releases it. */
function gatedWork() {
  const calls: number[][] = [];
  const releases: (() => void)[] = [];
  const work = async (items: number[]) => {
    calls.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
  };
  const releaseNext = async () => {
    while (releases.length === 0) await nextTurn();
    releases.shift()?.();
    // The call ends, and the next one starts a turn later.
    await nextTurn();
    await nextTurn();
  };
  return { calls, work, releaseNext };
}

describe('ApplyQueue', () => {
  it('hands items added in the same turn to one call, in the order they were added', async () => {
    const calls: number[][] = [];
    const queue = new ApplyQueue<number>(
      async (items) => {
        calls.push(items);
      },
      { maxPerCall: 100, maxQueued: 100 },
    );

    queue.add([1, 2]);
    queue.add([3]);
    queue.add([4, 5]);
    while (calls.length === 0) await nextTurn();
    await nextTurn();
    await queue.stop();

    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('takes everything added while a call ran into the next call, never two calls at once', async () => {
    const { calls, work, releaseNext } = gatedWork();
    const queue = new ApplyQueue<number>(work, { maxPerCall: 100, maxQueued: 100 });

    queue.add([1]);
    await nextTurn();
    queue.add([2]);
    await nextTurn();
    queue.add([3, 4]);
    await nextTurn();
    expect(calls).toEqual([[1]]);

    await releaseNext();
    expect(calls).toEqual([[1], [2, 3, 4]]);
    await releaseNext();
    await queue.stop();
  });

  it('takes at most maxPerCall items a call, the rest in order in the next', async () => {
    const calls: number[][] = [];
    const queue = new ApplyQueue<number>(
      async (items) => {
        calls.push(items);
      },
      { maxPerCall: 2, maxQueued: 100 },
    );

    queue.add([1, 2, 3, 4, 5]);
    while (calls.flat().length < 5) await nextTurn();

    expect(calls).toEqual([[1, 2], [3, 4], [5]]);
    await queue.stop();
  });

  it('retries a failed call with the same items before applying anything added after them', async () => {
    const calls: number[][] = [];
    let failures = 1;
    const retried: number[] = [];
    const queue = new ApplyQueue<number>(
      async (items) => {
        calls.push(items);
        if (failures-- > 0) throw new Error('transaction failed');
      },
      {
        maxPerCall: 100,
        maxQueued: 100,
        retryDelayMs: () => 5,
        onRetry: (_, attempt) => retried.push(attempt),
      },
    );

    queue.add([1, 2]);
    await nextTurn();
    queue.add([3]);
    while (calls.flat().length < 5) await new Promise((resolve) => setTimeout(resolve, 1));

    expect(calls).toEqual([[1, 2], [1, 2], [3]]);
    expect(retried).toEqual([1]);
    await queue.stop();
  });

  it('has room while few items wait, and makes the caller wait once more than maxQueued do', async () => {
    const { work, releaseNext } = gatedWork();
    const queue = new ApplyQueue<number>(work, { maxPerCall: 2, maxQueued: 2 });
    queue.add([1, 2]);
    await nextTurn();
    queue.add([3, 4, 5]);
    let room = false;
    void queue.whenRoom().then(() => {
      room = true;
    });
    await nextTurn();
    expect(room).toBe(false);

    await releaseNext();

    expect(room).toBe(true);
    await releaseNext();
    await releaseNext();
    await queue.stop();
  });

  it('on stop, lets the call in flight finish and drops what is still queued', async () => {
    const { calls, work, releaseNext } = gatedWork();
    const queue = new ApplyQueue<number>(work, { maxPerCall: 100, maxQueued: 100 });
    queue.add([1]);
    await nextTurn();
    queue.add([2]);

    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    await nextTurn();
    expect(stopped).toBe(false);
    await releaseNext();
    await stopping;

    expect(calls).toEqual([[1]]);
  });
});
