import { PerUsernameRateLimit } from './per-username-rate-limit';

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
    expect(refused.headers).toEqual({
      'X-Rate-Limit-Limit': '1',
      'X-Rate-Limit-Remaining': '0',
      'X-Rate-Limit-Reset': '2',
    });
    expect(limit.take('ada', 2000).allowed).toBe(true);
  });
});
