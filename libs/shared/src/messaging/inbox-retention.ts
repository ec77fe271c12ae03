import type { Pool } from 'pg';
import type { Logger } from '../logging/logger';

/** Default: a week, Kafka's default log retention — far beyond any redelivery (seconds after a crash). */
export const DEFAULT_INBOX_RETENTION_HOURS = 168;

/**
 * Deletes inbox rows (the dedupe record of each consumed event) older than the retention, a bounded batch
 * at a time so a large backlog never holds long locks. An event is only ever redelivered shortly after it
 * was first consumed (a consumer crashed before committing its offset, a relay before its checkpoint), so
 * rows older than the retention can no longer stop a duplicate; without pruning the table grows by one row
 * per event and consumer forever. Returns the number of rows deleted.
 */
export async function pruneInbox(pool: Pool, retentionHours: number, batchSize = 10_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM lapse_inbox WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM lapse_inbox WHERE processed_at < now() - make_interval(hours => $1) LIMIT $2))`,
      [retentionHours, batchSize],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return deleted;
  }
}

/** Prunes the inbox now and then every `everyMs` until stopped; failures are logged and retried later. */
export class InboxPruner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly retentionHours: number,
    private readonly logger: Logger,
    private readonly everyMs = 10 * 60_000,
  ) {}

  start(): void {
    const tick = () => {
      this.running = pruneInbox(this.pool, this.retentionHours).then(
        (deleted) => {
          if (deleted > 0) this.logger.info({ deleted, retentionHours: this.retentionHours }, 'inbox pruned');
        },
        (error: unknown) =>
          this.logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'inbox pruning failed',
          ),
      );
    };
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
