import { OktaHttpError } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import { FixedWindowLimit, rateLimitHeaders, tightest } from '../sign-in/per-username-rate-limit';

/**
 * Forgot-password requests per username (compared as logins are) and per client address, each per hour: a
 * flood of reset emails to one person, or one client probing many usernames, is refused with 429 E0000047.
 * In memory, per process, like the sign-in limits. Every username counts, known or not, so the limit says
 * nothing about who exists.
 */
export class RecoveryRateLimiter {
  private readonly perUser: FixedWindowLimit;
  private readonly perClient: FixedWindowLimit;

  constructor(limits: { perUserPerHour: number; perClientPerHour: number }) {
    this.perUser = new FixedWindowLimit(limits.perUserPerHour, 3_600_000);
    this.perClient = new FixedWindowLimit(limits.perClientPerHour, 3_600_000);
  }

  /** Throws 429 E0000047 past either limit; otherwise returns the headers to send. */
  admit(username: string, clientIp: string | null, nowMs: number): Record<string, string> {
    const decision = tightest([
      this.perUser.take(normalizeLogin(username.trim()), nowMs),
      this.perClient.take(clientIp ?? 'unknown', nowMs),
    ]);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) throw new OktaHttpError('E0000047', [], headers);
    return headers;
  }
}
