import type { Consumer } from './kafkajs/client';
import type { Logger } from '../logging/logger';

/** How often consumers commit the offsets they applied to Kafka (a restart redelivers at most this much). */
const OFFSET_COMMIT_INTERVAL_MS = 500;

/**
 * The Kafka offsets a consumer has applied, committed in the background every
 * OFFSET_COMMIT_INTERVAL_MS rather than after every batch (that round trip held up the next fetch). A
 * restart or rebalance may therefore redeliver what was already applied; the inbox dedupes it.
 */
export class KafkaOffsetCommits {
  private readonly pending = new Map<string, { topic: string; partition: number; offset: string }>();
  private committing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly consumer: Consumer,
    private readonly consumerName: string,
    private readonly logger: Logger,
  ) {}

  /** Notes that the partition's messages up to `lastOffset` are applied (committed as the next offset). */
  markApplied(topic: string, partition: number, lastOffset: string): void {
    this.pending.set(`${topic}:${partition}`, {
      topic,
      partition,
      offset: (BigInt(lastOffset) + 1n).toString(),
    });
  }

  /** Starts the background commits; started once the consumer runs, so a start that fails leaves nothing behind. */
  start(): void {
    this.timer = setInterval(() => {
      this.committing = this.committing
        .then(() => this.commit())
        .catch((error) =>
          this.logger.warn({ consumer: this.consumerName, err: String(error) }, 'offset commit failed'),
        );
    }, OFFSET_COMMIT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the background commits and commits everything applied. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.committing;
    await this.commit().catch(() => undefined);
  }

  private async commit(): Promise<void> {
    const offsets = [...this.pending.values()];
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets);
    for (const done of offsets) {
      const key = `${done.topic}:${done.partition}`;
      if (this.pending.get(key) === done) this.pending.delete(key);
    }
  }
}
