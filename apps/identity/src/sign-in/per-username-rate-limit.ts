import { OktaHttpError } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import { overloaded } from './sign-in.errors';

/** One limit's answer for a request: admitted or not, and what Okta's `X-Rate-Limit-*` headers say of it. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds at which the window ends. */
  readonly reset: number;
}

/**
 * N requests per key per fixed window (Okta counts in fixed windows too). In memory, per process. Keys of
 * past windows are forgotten once the map grows large, so a flood of distinct keys costs bounded memory.
 */
export class FixedWindowLimit {
  private readonly windows = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  take(key: string, nowMs: number): RateDecision {
    const window = Math.floor(nowMs / this.windowMs);
    const known = this.windows.get(key);
    const current = known && known.window === window ? known : { window, count: 0 };
    current.count++;
    this.windows.set(key, current);
    if (this.windows.size > 100_000) this.forgetBefore(window);
    return {
      allowed: current.count <= this.limit,
      limit: this.limit,
      remaining: Math.max(0, this.limit - current.count),
      reset: Math.ceil(((window + 1) * this.windowMs) / 1000),
    };
  }

  private forgetBefore(window: number): void {
    for (const [key, known] of this.windows) if (known.window < window) this.windows.delete(key);
  }
}

/** Okta's `/api/v1/authn` limit: N requests per second per username, compared as logins are (normalizeLogin). */
export class PerUsernameRateLimit {
  private readonly limit: FixedWindowLimit;

  constructor(perSecond: number) {
    this.limit = new FixedWindowLimit(perSecond, 1000);
  }

  take(username: string, nowMs: number): RateDecision {
    return this.limit.take(normalizeLogin(username.trim()), nowMs);
  }
}

export interface AuthnRateLimits {
  /** Per username, per second (Okta: 4). */
  readonly perUsernamePerSecond: number;
  /** Per client address, per minute. */
  readonly perClientPerMinute: number;
  /** All sign-ins of the process, per minute. */
  readonly globalPerMinute: number;
  /** A sign-in that waited longer than this before identity read it is shed (0: never). */
  readonly maxQueueMs?: number;
}

/**
 * How long a request waited between the gateway and identity's reading it, from the gateway's
 * `X-Request-Start: t=<time>` (nginx's `$msec`: seconds with milliseconds; milliseconds and microseconds
 * since the epoch are read too, as other proxies send them). Null when absent, unreadable or in the future.
 */
export function queuedMs(header: string | string[] | undefined, nowMs: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^t=(\d{1,16}(?:\.\d{1,6})?)$/.exec(value.trim());
  if (!match) return null;
  const stamp = Number(match[1]);
  const ms = stamp < 1e11 ? stamp * 1000 : stamp < 1e14 ? stamp : stamp / 1000;
  const waited = nowMs - ms;
  return waited >= 0 ? waited : null;
}

/** The headers of the tightest decision: the first that refuses, else the one with the fewest requests left. */
export function tightest(decisions: readonly RateDecision[]): RateDecision {
  return decisions.reduce((tight, decision) => {
    if (!tight.allowed) return tight;
    if (!decision.allowed) return decision;
    return decision.remaining < tight.remaining ? decision : tight;
  });
}

export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'X-Rate-Limit-Limit': String(decision.limit),
    'X-Rate-Limit-Remaining': String(decision.remaining),
    'X-Rate-Limit-Reset': String(decision.reset),
  };
}

/**
 * One limiter per process for every route that takes a username and password: per username, per client
 * address and for all clients together. A request counts against all three; the answer's
 * `X-Rate-Limit-*` headers describe the tightest.
 */
export class AuthnRateLimiter {
  private readonly perUsername: PerUsernameRateLimit;
  private readonly perClient: FixedWindowLimit;
  private readonly global: FixedWindowLimit;

  constructor(
    private readonly limits: AuthnRateLimits,
    private readonly onShed: () => void = () => undefined,
  ) {
    this.perUsername = new PerUsernameRateLimit(limits.perUsernamePerSecond);
    this.perClient = new FixedWindowLimit(limits.perClientPerMinute, 60_000);
    this.global = new FixedWindowLimit(limits.globalPerMinute, 60_000);
  }

  /**
   * Throws 429 E0000047 past any limit, or with `Retry-After: 1` when the request already waited longer than
   * `maxQueueMs` to be read (`requestStart`: the gateway's X-Request-Start): under overload the wait is in
   * the kernel's and the gateway's queues, before identity can count it, and a client that waited seconds is
   * better told at once to come back than made to wait for a hash as well. Otherwise returns the headers to
   * send.
   */
  admit(
    username: string,
    clientIp: string | null,
    nowMs: number,
    requestStart?: string | string[],
  ): Record<string, string> {
    const waited = queuedMs(requestStart, nowMs);
    if (this.limits.maxQueueMs && waited !== null && waited > this.limits.maxQueueMs) {
      this.onShed();
      throw overloaded();
    }
    const decision = tightest([
      this.perUsername.take(username, nowMs),
      this.perClient.take(clientIp ?? 'unknown', nowMs),
      this.global.take('', nowMs),
    ]);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw new OktaHttpError('E0000047', [], headers);
    return headers;
  }
}
