import { WatermarkHistory } from './watermark-history';

describe('WatermarkHistory', () => {
  it('bounds the age of the oldest pending event by the last measurement before it existed', () => {
    const history = new WatermarkHistory();
    history.record('p0', 1000, 10); // offsets 0..9 exist
    history.record('p0', 1100, 50); // 10..49 published between 1000 and 1100
    history.record('p0', 1200, 90);
    // The consumer applied up to 29: offset 30 did not exist at 1000 (high 10 ≤ 30)… but did at 1100.
    expect(history.pendingAgeMs('p0', 30, 90, 1250)).toBe(250);
    // Applied up to 59: offset 60 was published after 1100 (high 50 ≤ 60).
    expect(history.pendingAgeMs('p0', 60, 90, 1250)).toBe(150);
  });

  it('reports nothing pending as 0, whatever the history', () => {
    const history = new WatermarkHistory();
    expect(history.pendingAgeMs('p0', 7, 7, 5000)).toBe(0);
  });

  it('stays small while the consumer keeps up with continuous traffic', () => {
    const history = new WatermarkHistory();
    // 1,000 events every 100 ms for 10 s; the consumer is always one tick behind.
    let age = 0;
    for (let tick = 1; tick <= 100; tick += 1) {
      const now = tick * 100;
      const high = tick * 1000;
      history.record('p0', now, high);
      age = history.pendingAgeMs('p0', high - 1000, high, now) ?? Number.POSITIVE_INFINITY;
    }
    expect(age).toBe(100);
  });

  it('says it cannot bound an event older than everything it remembers', () => {
    const history = new WatermarkHistory(2);
    history.record('p0', 1000, 10);
    history.record('p0', 1100, 20);
    history.record('p0', 1200, 30); // forgets the measurement at 1000
    expect(history.pendingAgeMs('p0', 5, 30, 1300)).toBeNull();
    expect(history.pendingAgeMs('unknown', 0, 3, 1300)).toBeNull();
  });

  it('takes the latest sighting of a watermark that stood still', () => {
    const history = new WatermarkHistory();
    history.record('p0', 1000, 10);
    history.record('p0', 2000, 10);
    history.record('p0', 2100, 11);
    expect(history.pendingAgeMs('p0', 10, 11, 2150)).toBe(150);
  });
});
