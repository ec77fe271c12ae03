import { median, summariseRuns } from './repeat';

describe('summarising repeated benchmark runs', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('gives every numeric figure its median and range, nested figures included', () => {
    const summary = summariseRuns([
      { p99Ms: 30, transport: 'kafka', rss: { identity: 200 } },
      { p99Ms: 10, transport: 'kafka', rss: { identity: 220 } },
      { p99Ms: 20, transport: 'kafka', rss: { identity: 210 } },
    ]);
    expect(summary.runs).toBe(3);
    expect(summary.median).toEqual({ p99Ms: 20, transport: 'kafka', rss: { identity: 210 } });
    expect(summary.range).toEqual({ p99Ms: [10, 30], rss: { identity: [200, 220] } });
    expect(summary.perRun).toHaveLength(3);
  });

  it('does not summarise a figure that some run lacks or did not measure', () => {
    const summary = summariseRuns([{ a: 1, b: Number.NaN }, { a: 3 }]);
    expect(summary.median).toEqual({ a: 2 });
    expect(summary.range).toEqual({ a: [1, 3] });
  });
});
