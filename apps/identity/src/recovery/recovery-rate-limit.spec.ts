import { OktaHttpError } from '@lapse/shared';
import { RecoveryRateLimiter } from './recovery-rate-limit';

describe('the forgot-password rate limits', () => {
  const hour = 3_600_000;
  const at = 10 * hour;

  it('refuses a username past its hourly limit, however it is written, until the next hour', () => {
    const limiter = new RecoveryRateLimiter({ perUserPerHour: 2, perClientPerHour: 100 });
    limiter.admit('Ada@Example.com', '10.0.0.1', at);
    limiter.admit(' ada@example.com', '10.0.0.2', at + 1);
    expect(() => limiter.admit('ADA@example.com', '10.0.0.3', at + 2)).toThrow(OktaHttpError);
    expect(limiter.admit('ada@example.com', '10.0.0.3', at + hour)['X-Rate-Limit-Remaining']).toBe('1');
  });

  it('refuses a client address past its hourly limit, whatever usernames it tries', () => {
    const limiter = new RecoveryRateLimiter({ perUserPerHour: 100, perClientPerHour: 2 });
    limiter.admit('a@example.com', '10.0.0.1', at);
    limiter.admit('b@example.com', '10.0.0.1', at);
    let refusal: unknown;
    try {
      limiter.admit('c@example.com', '10.0.0.1', at);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(OktaHttpError);
    expect((refusal as OktaHttpError).code).toBe('E0000047');
    expect((refusal as OktaHttpError).headers['X-Rate-Limit-Limit']).toBe('2');
    expect(() => limiter.admit('c@example.com', '10.0.0.2', at)).not.toThrow();
  });
});
