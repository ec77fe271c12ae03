import { compareLogPositions, PublicationProgress } from './publication-progress';

const at = (transactionId: string, globalPosition: string) => ({ transactionId, globalPosition });

describe('publication progress', () => {
  it('orders positions by transaction id, then by global position, as numbers', () => {
    expect(compareLogPositions(at('9', '100'), at('10', '1'))).toBe(-1);
    expect(compareLogPositions(at('10', '2'), at('10', '10'))).toBe(-1);
    expect(compareLogPositions(at('10', '10'), at('10', '10'))).toBe(0);
    expect(compareLogPositions(at('18446744073709551615', '1'), at('9007199254740993', '1'))).toBe(1);
  });

  it('counts a position as published at once when no relay runs in the process', async () => {
    expect(await new PublicationProgress().whenPublished(at('5', '5'), 10_000)).toBe(true);
  });

  it('waits until every relay has published the position, and only that long', async () => {
    const progress = new PublicationProgress();
    progress.started('a');
    progress.started('b');
    let result: boolean | undefined;
    const waiting = progress.whenPublished(at('7', '70'), 10_000).then((published) => {
      result = published;
    });
    progress.reached('a', at('7', '70'));
    progress.reached('b', at('7', '69'));
    await Promise.resolve();
    expect(result).toBeUndefined();
    progress.reached('b', at('8', '1'));
    await waiting;
    expect(result).toBe(true);
  });

  it('gives up after the timeout with false, and forgets a stopped relay', async () => {
    const progress = new PublicationProgress();
    progress.started('relay');
    expect(await progress.whenPublished(at('3', '3'), 20)).toBe(false);
    const waiting = progress.whenPublished(at('3', '3'), 10_000);
    progress.stopped('relay');
    expect(await waiting).toBe(true);
  });
});
