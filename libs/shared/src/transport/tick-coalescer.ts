/**
 * Joins the items handed in during one turn of the event loop into a single call of `work`. kafkajs hands
 * every partition batch of one fetch to its workers in the same turn, so the consumer applies a whole fetch
 * in one transaction (one commit, one fsync) instead of one per partition. Every caller waits for the
 * call its items were part of and sees its error.
 */
export class TickCoalescer<Item> {
  private pending: Item[] | null = null;
  private pendingRun: Promise<void> | null = null;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly work: (items: Item[]) => Promise<void>) {}

  add(items: readonly Item[]): Promise<void> {
    if (!this.pending || !this.pendingRun) {
      const group: Item[] = [];
      const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        if (this.pending === group) {
          this.pending = null;
          this.pendingRun = null;
        }
        return this.work(group);
      });
      const tracked = run.then(
        () => undefined,
        () => undefined,
      );
      this.running.add(tracked);
      void tracked.then(() => this.running.delete(tracked));
      this.pending = group;
      this.pendingRun = run;
    }
    this.pending.push(...items);
    return this.pendingRun;
  }

  /** Resolves once every call started so far has finished (successfully or not). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
