export interface ApplyQueueOptions {
  /** The most items one call of `work` takes. */
  readonly maxPerCall: number;
  /** How many queued items (not yet taken by a call) `whenRoom` lets pile up. */
  readonly maxQueued: number;
  /** The wait before retrying a call that failed, by attempt (1, 2, …). */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Told of each failed call before it is retried. */
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

const defaultRetryDelay = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 5000);

/**
 * Applies items one call of `work` at a time, in the order they were added, while the caller goes on adding:
 * the Kafka consumer fetches the next batches while the inbox applies the previous ones, instead of fetching
 * only once they are committed (kafkajs fetches again when every `eachBatch` of the last fetch returned). Each
 * call takes everything queued so far (at most `maxPerCall` items), so what arrived during a transaction goes
 * into the next one whole. A call starts one turn of the event loop after the items that start it, so the
 * partition batches kafkajs hands over in the same turn join one call.
 *
 * A call that fails is retried with the same items until it succeeds or the queue stops: nothing after it is
 * applied before it, so the caller can treat every item of a finished call as applied (the consumer marks
 * its offsets for commit only then). `whenRoom` is the back-pressure: it resolves once at most `maxQueued`
 * items wait. Written here rather than taken from a library because the ordering and retry rules are the
 * consumer's delivery guarantee, in forty lines.
 */
export class ApplyQueue<Item> {
  private queued: Item[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly roomWaiters: (() => void)[] = [];

  constructor(
    private readonly work: (items: Item[]) => Promise<void>,
    private readonly options: ApplyQueueOptions,
  ) {}

  /** Queues items behind everything added before; they are applied by a later call of `work`. */
  add(items: readonly Item[]): void {
    if (this.stopped) return;
    for (const item of items) this.queued.push(item);
    this.startCall();
  }

  /** Resolves once at most `maxQueued` items wait to be taken (at once unless the queue is behind). */
  whenRoom(): Promise<void> {
    if (this.queued.length <= this.options.maxQueued || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Stops taking items: the call in flight finishes (a failing one is not retried again); what is still
   * queued is dropped, never applied (the consumer's uncommitted offsets bring it back after a restart).
   * Resolves once no call is in flight.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued = [];
    this.releaseRoom();
    await this.running;
  }

  private startCall(): void {
    if (this.running || this.stopped || this.queued.length === 0) return;
    this.running = this.call().finally(() => {
      this.running = null;
      this.startCall();
    });
  }

  private async call(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.stopped) return;
    const items = this.queued.splice(0, this.options.maxPerCall);
    this.releaseRoom();
    const retryDelay = this.options.retryDelayMs ?? defaultRetryDelay;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.work(items);
        return;
      } catch (error) {
        if (this.stopped) return;
        this.options.onRetry?.(error, attempt);
        await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
        if (this.stopped) return;
      }
    }
  }

  private releaseRoom(): void {
    if (this.queued.length > this.options.maxQueued && !this.stopped) return;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
