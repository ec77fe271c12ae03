import { OktaHttpError } from '@lapse/shared';
import { AuthnRateLimiter, PerUsernameRateLimit } from './per-username-rate-limit';

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
