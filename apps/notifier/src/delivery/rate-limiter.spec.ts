import { RateLimiter } from './rate-limiter';

describe('the send rate limiter', () => {
  function fakeTime() {
    let now = 0;
    const sleep = async (ms: number): Promise<void> => {
      now += ms;
    };
    return { now: () => now, sleep };
  }

  it('lets a second worth of messages through at once, then paces the rest', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(10, time.now, time.sleep);
    for (let i = 0; i < 10; i++) await limiter.take();
    expect(time.now()).toBe(0);
    for (let i = 0; i < 20; i++) await limiter.take();
    expect(time.now()).toBeGreaterThanOrEqual(2000);
    expect(time.now()).toBeLessThan(2100);
  });

  it('drains 100 messages at 50 per second in about a second after the first burst', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter(50, time.now, time.sleep);
    await Promise.all(Array.from({ length: 100 }, () => limiter.take()));
    expect(time.now()).toBeGreaterThanOrEqual(1000);
    expect(time.now()).toBeLessThan(1100);
  });
});
