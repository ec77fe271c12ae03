import { DeferredCheckpoint } from './deferred-checkpoint';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('DeferredCheckpoint', () => {
  it('writes only the newest position noted, once, when the delay has passed', async () => {
    const written: string[] = [];
    const checkpoint = new DeferredCheckpoint(
      async (position) => {
        written.push(position);
      },
      () => undefined,
      30,
    );
    checkpoint.note('1:1');
    checkpoint.note('1:2');
    checkpoint.note('1:3');
    expect(written).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(written).toEqual(['1:3']);
  });

  it('keeps writing under a steady stream of notes (each note does not push the write further away)', async () => {
    const written: string[] = [];
    const checkpoint = new DeferredCheckpoint(
      async (position) => {
        written.push(position);
      },
      () => undefined,
      40,
    );
    for (let i = 1; i <= 12; i++) {
      checkpoint.note(`1:${i}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(written.length).toBeGreaterThanOrEqual(1);
    await checkpoint.flush();
    expect(written[written.length - 1]).toBe('1:12');
  });

  it('drops what is pending when a checkpoint with effects supersedes it', async () => {
    const written: string[] = [];
    const checkpoint = new DeferredCheckpoint(
      async (position) => {
        written.push(position);
      },
      () => undefined,
      20,
    );
    checkpoint.note('1:4');
    checkpoint.supersede();
    await new Promise((resolve) => setTimeout(resolve, 40));
    await checkpoint.flush();
    expect(written).toEqual([]);
  });

  it('lets a newer checkpoint wait for a deferred write in flight, so positions never go backwards', async () => {
    const order: string[] = [];
    let finish: () => void = () => undefined;
    const checkpoint = new DeferredCheckpoint(
      (position) =>
        new Promise<void>((resolve) => {
          order.push(`start ${position}`);
          finish = () => {
            order.push(`end ${position}`);
            resolve();
          };
        }),
      () => undefined,
    );
    checkpoint.note('1:5');
    const flushed = checkpoint.flush();
    await nextTurn();
    checkpoint.supersede();
    const settled = checkpoint.settled().then(() => order.push('newer checkpoint'));
    await nextTurn();
    expect(order).toEqual(['start 1:5']);
    finish();
    await Promise.all([flushed, settled]);
    expect(order).toEqual(['start 1:5', 'end 1:5', 'newer checkpoint']);
  });

  it('reports a failed write and goes on with the next one', async () => {
    const errors: unknown[] = [];
    const written: string[] = [];
    let fail = true;
    const checkpoint = new DeferredCheckpoint(
      async (position) => {
        if (fail) throw new Error('connection lost');
        written.push(position);
      },
      (error) => errors.push(error),
    );
    checkpoint.note('1:6');
    await checkpoint.flush();
    fail = false;
    checkpoint.note('1:7');
    await checkpoint.flush();
    expect(errors).toHaveLength(1);
    expect(written).toEqual(['1:7']);
  });
});
