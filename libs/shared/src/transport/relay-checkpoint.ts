import type { LogPosition } from '../event-sourcing/event';
import { type Logger, silentLogger } from '../logging/logger';

/**
 * The relay's position in the log, persisted behind the relay instead of in its way. `acknowledged()`
 * takes a position Kafka has acknowledged everything up to, and writes it in the background (one write at
 * a time, always the newest), so the relay reads and produces its next batch meanwhile. What is persisted
 * never runs ahead of what Kafka acknowledged; after a crash the relay produces again at most the batches
 * acknowledged since the last write, and consumers' inboxes dedupe them. `flush()` on a graceful stop
 * leaves nothing to produce again.
 */
export class RelayCheckpoint {
  private newest: LogPosition | null = null;
  private written: LogPosition | null = null;
  private writing: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly persistence: {
      load(): Promise<LogPosition>;
      save(position: LogPosition): Promise<void>;
    },
    logger: Logger = silentLogger,
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
    void this.write();
  }

  /** Waits until the newest acknowledged position is persisted; throws if it cannot be. */
  async flush(): Promise<void> {
    if (this.newest !== this.written) await this.write();
    if (this.newest !== this.written) throw new Error('relay checkpoint could not be saved');
  }

  /** The write in flight, or a new one; only called with something to write. */
  private write(): Promise<void> {
    this.writing ??= this.writeNewest();
    return this.writing;
  }

  private async writeNewest(): Promise<void> {
    try {
      while (this.newest && this.newest !== this.written) {
        const position = this.newest;
        await this.persistence.save(position);
        this.written = position;
      }
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
  }
}
