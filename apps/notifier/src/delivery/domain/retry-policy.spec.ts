import { hasAttemptsLeft, retryDelayMs } from './retry-policy';

const policy = { maxAttempts: 5, baseMs: 1000, maxMs: 10_000 };

describe('the retry policy', () => {
  it('doubles the delay after each failed attempt', () => {
    expect([1, 2, 3].map((attempts) => retryDelayMs(policy, attempts, 1))).toEqual([1000, 2000, 4000]);
  });

  it('jitters each delay between half and all of it', () => {
    expect(retryDelayMs(policy, 3, 0)).toBe(2000);
    expect(retryDelayMs(policy, 3, 0.5)).toBe(3000);
  });

  it('never waits longer than the cap', () => {
    expect(retryDelayMs(policy, 20, 1)).toBe(10_000);
  });

  it('stops after the configured number of attempts', () => {
    expect(hasAttemptsLeft(policy, 4)).toBe(true);
    expect(hasAttemptsLeft(policy, 5)).toBe(false);
  });
});
