import { OktaHttpError } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';

/** Okta's `/api/v1/authn` limit: N requests per second per username, fixed one-second windows. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly headers: Record<string, string>;
}

export class PerUsernameRateLimit {
  private readonly windows = new Map<string, { second: number; count: number }>();

  constructor(private readonly perSecond: number) {}

  take(username: string, nowMs: number): RateDecision {
    const key = normalizeLogin(username.trim());
    const second = Math.floor(nowMs / 1000);
    const window = this.windows.get(key);
    const current = window && window.second === second ? window : { second, count: 0 };
    current.count++;
    this.windows.set(key, current);
    if (this.windows.size > 100_000) this.forgetBefore(second);
    return {
      allowed: current.count <= this.perSecond,
      headers: {
        'X-Rate-Limit-Limit': String(this.perSecond),
        'X-Rate-Limit-Remaining': String(Math.max(0, this.perSecond - current.count)),
        'X-Rate-Limit-Reset': String(second + 1),
      },
    };
  }

  private forgetBefore(second: number): void {
    for (const [key, window] of this.windows) if (window.second < second) this.windows.delete(key);
  }
}

/** One limiter per process for every route that takes a username and password. */
export class AuthnRateLimiter {
  private readonly limit: PerUsernameRateLimit;

  constructor(perSecond: number) {
    this.limit = new PerUsernameRateLimit(perSecond);
  }

  /** Throws 429 E0000047 past the limit; otherwise returns the headers to send. */
  admit(username: string, nowMs: number): Record<string, string> {
    const decision = this.limit.take(username, nowMs);
    if (!decision.allowed) throw new OktaHttpError('E0000047', [], decision.headers);
    return decision.headers;
  }
}
