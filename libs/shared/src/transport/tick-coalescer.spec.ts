import { TickCoalescer } from './tick-coalescer';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TickCoalescer', () => {
  it('hands items added in the same turn to one call, in the order they were added', async () => {
    const calls: number[][] = [];
    const coalescer = new TickCoalescer<number>(async (items) => {
      calls.push(items);
    });

    await Promise.all([coalescer.add([1, 2]), coalescer.add([3]), coalescer.add([4, 5])]);

    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('starts a new call for items added after the previous call began', async () => {
    const calls: number[][] = [];
    let release: () => void = () => undefined;
    const coalescer = new TickCoalescer<number>(async (items) => {
      calls.push(items);
      if (items[0] === 1) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
    });

    const first = coalescer.add([1]);
    await nextTurn();
    const second = coalescer.add([2]);
    await nextTurn();
    expect(calls).toEqual([[1], [2]]);
    release();
    await Promise.all([first, second]);
  });

  it('rejects every caller whose items were in a failed call', async () => {
    const coalescer = new TickCoalescer<number>(async () => {
      throw new Error('transaction failed');
    });

    const results = await Promise.allSettled([coalescer.add([1]), coalescer.add([2])]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });

  it('becomes idle only once the calls in flight have finished', async () => {
    let finished = false;
    const coalescer = new TickCoalescer<number>(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    });

    const added = coalescer.add([1]);
    await coalescer.idle();

    expect(finished).toBe(true);
    await added;
  });
});
