import type { LogPosition, RecordedEvent } from '../event-sourcing/event';
import type { PostgresEventStore } from '../event-store/event-store';
import { type Logger, silentLogger } from '../logging/logger';
import type { LogNotifications } from './log-notifications';

export interface LogTailerOptions {
  readonly name: string;
  /** The log (the embedded transport's consumers share their reads: `SharedLogReads`). */
  readonly store: Pick<PostgresEventStore, 'readAll' | 'unreadAfter'>;
  readonly notifications: LogNotifications;
  /** Where to resume: read from the reader's own checkpoint. */
  readonly loadPosition: () => Promise<LogPosition>;
  /**
   * Hands a batch on; resolves once the batch is safely handed on (at-least-once). The position it persists
   * may lag behind, never run ahead: after a failure the tailer goes on from `loadPosition()`. `read.startedAt`
   * is when the read that found the batch began (epoch ms, for the transport bench's stage marks).
   */
  readonly deliver: (events: RecordedEvent[], read: { readonly startedAt: number }) => Promise<void>;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
}

/** How soon to look again when committed events wait behind an older open transaction. */
const HELD_BACK_RETRY_MS = 3;

/**
 * Reads the PostgreSQL event log in order from a checkpoint and hands batches on. Woken by LISTEN/NOTIFY,
 * with polling as the fallback. After a crash it resumes from the last persisted position, so a batch
 * may be delivered twice but never skipped.
 */
export class LogTailer {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private pendingWake = false;
  private unsubscribe: (() => void) | null = null;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: LogTailerOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.logger = (options.logger ?? silentLogger).child({ tailer: options.name });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.options.notifications.onAppend(() => this.signal());
    this.loop = this.run();
  }

  /** Stops after the batch in flight has been delivered (see `deliver` for what that persists). */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.signal();
    await this.loop;
  }

  private signal(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let position = await this.options.loadPosition();
    let failures = 0;
    let heldBackDelay = HELD_BACK_RETRY_MS / 2;
    while (this.running) {
      try {
        this.pendingWake = false;
        const startedAt = performance.timeOrigin + performance.now();
        const events = await this.options.store.readAll(position, this.batchSize);
        if (events.length > 0) {
          await this.options.deliver(events, { startedAt });
          const last = events[events.length - 1];
          position = { transactionId: last.transactionId, globalPosition: last.globalPosition };
          failures = 0;
          heldBackDelay = HELD_BACK_RETRY_MS / 2;
          if (events.length === this.batchSize) continue;
        }
        if (this.pendingWake) continue;
        const unread = await this.options.store.unreadAfter(position);
        if (unread === 'readable') {
          // What held it back when we read has ended since (without a notification): read it now.
          continue;
        }
        if (unread === 'held-back') {
          // Look again soon, backing off while a long transaction holds the log (e.g. a migration).
          heldBackDelay = Math.min(heldBackDelay * 2, this.pollIntervalMs);
          await this.idle(heldBackDelay);
        } else {
          heldBackDelay = HELD_BACK_RETRY_MS / 2;
          await this.idle(this.pollIntervalMs);
        }
      } catch (error) {
        failures++;
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error), failures },
          'log delivery failed',
        );
        await this.idle(Math.min(100 * 2 ** failures, 5000));
        position = await this.options.loadPosition().catch(() => position);
      }
    }
  }

  /**
   * Waits `ms`, or less when an append is signalled. A signal that came while the loop was not idle (during
   * the held-back check, after the last look at `pendingWake`) must not wait for the poll: it ends the idle
   * at once.
   */
  private idle(ms: number): Promise<void> {
    if (this.pendingWake) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

export function formatPosition(position: LogPosition): string {
  return `${position.transactionId}:${position.globalPosition}`;
}

export function parsePosition(text: string | null): LogPosition {
  if (!text) return { transactionId: '0', globalPosition: '0' };
  const [transactionId, globalPosition] = text.split(':');
  return { transactionId, globalPosition };
}
