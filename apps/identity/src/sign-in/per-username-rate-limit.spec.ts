import { OktaHttpError } from '@lapse/shared';
import { AuthnRateLimiter, PerUsernameRateLimit, queuedMs } from './per-username-rate-limit';

describe('the per-username authn rate limit', () => {
  it('admits four requests in a second and refuses the fifth', () => {
    const limit = new PerUsernameRateLimit(4);
    const answers = Array.from({ length: 5 }, () => limit.take('ada@example.com', 10_500).allowed);
    expect(answers).toEqual([true, true, true, true, false]);
  });

  it('counts usernames case-insensitively and separately from each other', () => {
    const limit = new PerUsernameRateLimit(1);
    expect(limit.take('Ada@Example.com', 1000).allowed).toBe(true);
    expect(limit.take('ada@example.com', 1000).allowed).toBe(false);
    expect(limit.take('bob@example.com', 1000).allowed).toBe(true);
  });

  it('admits again in the next second and says when the window resets', () => {
    const limit = new PerUsernameRateLimit(1);
    limit.take('ada', 1999);
    const refused = limit.take('ada', 1999);
    expect(refused).toEqual({ allowed: false, limit: 1, remaining: 0, reset: 2 });
    expect(limit.take('ada', 2000).allowed).toBe(true);
  });
});

describe('the sign-in rate limiter', () => {
  const refusal = (admit: () => unknown) => {
    try {
      admit();
    } catch (error) {
      return error as OktaHttpError;
    }
    throw new Error('admitted');
  };

  it('limits one client address across usernames, per minute', () => {
    const limiter = new AuthnRateLimiter({
      perUsernamePerSecond: 4,
      perClientPerMinute: 3,
      globalPerMinute: 100,
    });
    for (const name of ['a', 'b', 'c']) limiter.admit(name, '203.0.113.7', 60_000);
    const refused = refusal(() => limiter.admit('d', '203.0.113.7', 61_000));
    expect(refused.getStatus()).toBe(429);
    expect(refused.code).toBe('E0000047');
    expect(limiter.admit('d', '198.51.100.1', 61_000)['X-Rate-Limit-Remaining']).toBe('2');
    expect(limiter.admit('e', '203.0.113.7', 120_000)['X-Rate-Limit-Limit']).toBe('3');
  });

  it('limits every client together, per minute', () => {
    const limiter = new AuthnRateLimiter({
      perUsernamePerSecond: 4,
      perClientPerMinute: 100,
      globalPerMinute: 2,
    });
    limiter.admit('a', '203.0.113.1', 0);
    limiter.admit('b', '203.0.113.2', 0);
    expect(refusal(() => limiter.admit('c', '203.0.113.3', 59_999)).getStatus()).toBe(429);
  });

  it('answers the headers of the tightest limit, its reset in epoch seconds', () => {
    const limiter = new AuthnRateLimiter({
      perUsernamePerSecond: 4,
      perClientPerMinute: 10,
      globalPerMinute: 1000,
    });
    const now = 1_800_000_030_500;
    expect(limiter.admit('ada', '203.0.113.7', now)).toEqual({
      'X-Rate-Limit-Limit': '4',
      'X-Rate-Limit-Remaining': '3',
      'X-Rate-Limit-Reset': '1800000031',
    });
    for (const name of ['b', 'c', 'd', 'e', 'f', 'g', 'h']) limiter.admit(name, '203.0.113.7', now);
    expect(limiter.admit('ada', '203.0.113.7', now)).toEqual({
      'X-Rate-Limit-Limit': '10',
      'X-Rate-Limit-Remaining': '1',
      'X-Rate-Limit-Reset': '1800000060',
    });
  });
});

describe('shedding a sign-in that waited too long before identity read it', () => {
  const NOW = 1_765_000_000_000;

  it("reads the gateway's stamp in seconds (nginx's $msec), milliseconds or microseconds", () => {
    expect(queuedMs('t=1764999997.500', NOW)).toBe(2500);
    expect(queuedMs('t=1764999999000', NOW)).toBe(1000);
    expect(queuedMs('t=1764999999750000', NOW)).toBe(250);
    expect(queuedMs(['t=1764999999.000'], NOW)).toBe(1000);
  });

  it('ignores a missing, unreadable or future stamp', () => {
    for (const header of [undefined, '', 'soon', 't=', 't=-5', 't=1e12', 'x=1764999999.000'])
      expect(queuedMs(header, NOW)).toBeNull();
    expect(queuedMs('t=1765000001.000', NOW)).toBeNull();
  });

  it('answers 429 E0000047 with Retry-After past the bound, counts it, and admits what waited less', () => {
    let shed = 0;
    const limiter = new AuthnRateLimiter(
      { perUsernamePerSecond: 4, perClientPerMinute: 600, globalPerMinute: 12_000, maxQueueMs: 2000 },
      () => shed++,
    );
    expect(() => limiter.admit('ada', '10.0.0.1', NOW, 't=1764999998.500')).not.toThrow();
    expect(() => limiter.admit('ada', '10.0.0.1', NOW)).not.toThrow();
    let refusal: OktaHttpError | undefined;
    try {
      limiter.admit('bob', '10.0.0.1', NOW, 't=1764999997.999');
    } catch (error) {
      refusal = error as OktaHttpError;
    }
    expect(refusal?.code).toBe('E0000047');
    expect(refusal?.headers).toEqual({ 'Retry-After': '1' });
    expect(shed).toBe(1);
  });

  it('sheds nothing for waiting when the bound is 0', () => {
    const limiter = new AuthnRateLimiter({
      perUsernamePerSecond: 4,
      perClientPerMinute: 600,
      globalPerMinute: 12_000,
      maxQueueMs: 0,
    });
    expect(() => limiter.admit('ada', null, NOW, 't=1.000')).not.toThrow();
  });
});
