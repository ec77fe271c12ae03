/**
 * How old the oldest event a Kafka consumer has not applied yet is, from what the lag monitor sees several
 * times a second: each partition's high watermark (the offset the next published event will get) and the
 * consumer's next offset. Kafka does not say when an event was published without fetching it, but the
 * monitor's own measurements bound it: the event at offset `next` did not exist at the last measurement whose
 * high watermark was at most `next`, so it is younger than that measurement. The bound is an upper one (never
 * reports a projection fresher than it is) and within one measurement interval of the truth while the
 * consumer keeps up with continuous traffic — where "time since the consumer was last fully caught up" grows
 * without end although every event is applied within milliseconds.
 */
export class WatermarkHistory {
  /** Per partition, measurements in time order: when, and the high watermark then. */
  private readonly seen = new Map<string, { at: number; high: number }[]>();

  /** `keep`: measurements remembered per partition (at 100 ms, 600 cover a minute). */
  constructor(private readonly keep = 600) {}

  /** Remembers one measurement of a partition's high watermark. */
  record(partition: string, at: number, high: number): void {
    let history = this.seen.get(partition);
    if (!history) {
      history = [];
      this.seen.set(partition, history);
    }
    const last = history[history.length - 1];
    // A watermark that stood still: its latest sighting is the tighter bound for the next event.
    if (last && last.high === high) last.at = at;
    else history.push({ at, high });
    if (history.length > this.keep) history.splice(0, history.length - this.keep);
  }

  /**
   * Milliseconds since the oldest unapplied event of the partition was published, at most; 0 when nothing is
   * pending; null when no remembered measurement is old enough to bound it (the caller falls back to another
   * bound).
   */
  pendingAgeMs(partition: string, next: number, high: number, now: number): number | null {
    if (next >= high) return 0;
    const history = this.seen.get(partition) ?? [];
    for (let index = history.length - 1; index >= 0; index -= 1)
      if (history[index].high <= next) return Math.max(0, now - history[index].at);
    return null;
  }
}
