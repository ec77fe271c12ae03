export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before the next attempt after `attempts` failed ones: exponential (base · 2^(attempts-1)),
 * capped, with "equal jitter" so that a burst of failures does not retry in lockstep. `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: number): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random);
}

export function hasAttemptsLeft(policy: RetryPolicy, attempts: number): boolean {
  return attempts < policy.maxAttempts;
}
