import type { LogPosition } from '../event-sourcing/event';
import { type Logger, silentLogger } from '../logging/logger';

/**
 * How often at most the relay writes its checkpoint. Each write is a transaction of its own: written after
 * every acknowledged batch, at 1,000 events/s that was hundreds of commits a second beside the appends, and
 * while one was open every reader of the log was held back behind its transaction id. A crash costs at most
 * this much more to produce again (the consumers' inboxes dedupe it).
 */
export const RELAY_CHECKPOINT_INTERVAL_MS = 100;

/**
 * The relay's position in the log, persisted behind the relay instead of in its way. `acknowledged()`
 * takes a position Kafka has acknowledged everything up to, and writes it in the background (one write at
 * a time, always the newest, at most one every `intervalMs`), so the relay reads and produces its next
 * batch meanwhile. What is persisted never runs ahead of what Kafka acknowledged; after a crash the relay
 * produces again at most the batches acknowledged since the last write, and consumers' inboxes dedupe
 * them. `flush()` on a graceful stop leaves nothing to produce again.
 */
export class RelayCheckpoint {
  private newest: LogPosition | null = null;
  private written: LogPosition | null = null;
  private writing: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private readonly logger: Logger;

  constructor(
    private readonly persistence: {
      load(): Promise<LogPosition>;
      save(position: LogPosition): Promise<void>;
    },
    logger: Logger = silentLogger,
    private readonly intervalMs = RELAY_CHECKPOINT_INTERVAL_MS,
  ) {
    this.logger = logger;
  }

  /** Where the relay goes on from: the newest acknowledged position, or the persisted one at start. */
  async resumePosition(): Promise<LogPosition> {
    return this.newest ?? this.persistence.load();
  }

  /** Kafka acknowledged everything up to `position`: persist it soon. */
  acknowledged(position: LogPosition): void {
    this.newest = position;
    this.schedule();
  }

  /** Waits until the newest acknowledged position is persisted; throws if it cannot be. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.newest !== this.written) {
      if (!(await this.write())) throw new Error('relay checkpoint could not be saved');
    }
  }

  /** Writes the newest position now, or once `intervalMs` has passed since the last write began. */
  private schedule(): void {
    if (this.writing || this.timer || this.newest === this.written) return;
    const wait = this.lastWriteAt + this.intervalMs - performance.now();
    if (wait <= 0) {
      void this.write();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, wait);
    this.timer.unref();
  }

  /** The write in flight, or a new one of the newest position; resolves false if it failed. */
  private write(): Promise<boolean> {
    this.writing ??= this.writeNewest();
    return this.writing;
  }

  private async writeNewest(): Promise<boolean> {
    const position = this.newest;
    if (!position) return true;
    this.lastWriteAt = performance.now();
    let saved = false;
    try {
      await this.persistence.save(position);
      this.written = position;
      saved = true;
    } catch (error) {
      // The next acknowledgement (or the flush at stop) tries again; until then the persisted position
      // only lags behind, which costs duplicates after a crash, never a lost event.
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'relay checkpoint failed',
      );
    } finally {
      this.writing = null;
    }
    if (saved) this.schedule();
    return saved;
  }
}
