import type { Pool } from 'pg';
import { type Clock, type Logger, withTransaction } from '@lapse/shared';
import { deliveryJobs } from './delivery-jobs.repository';
import { type DeliveryStream, NOTIFIER_ACTOR } from './delivery.stream';
import { errorName, WakeableSleep } from './wakeable-sleep';

export interface SealedPasswordSweeperOptions {
  readonly pool: Pool;
  readonly stream: DeliveryStream;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sweepMs: number;
}

/**
 * Every `sweepMs`, discards sealed envelopes (and their reveal links) whose temporary password has
 * expired: a delivery still pending fails as EXPIRED, one already sent forgets its envelope. A job a lane
 * is sending right now is left to that lane. Touches only the database.
 */
export class SealedPasswordSweeper {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly naps = new WakeableSleep();

  constructor(private readonly options: SealedPasswordSweeperOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.naps.wakeAll();
    await this.loop;
    this.loop = null;
  }

  /** One sweep; returns how many envelopes it discarded. */
  async sweep(): Promise<number> {
    const { pool, clock } = this.options;
    let swept = 0;
    for (;;) {
      const expired = await deliveryJobs.expiredSealed(pool, clock.now(), 100);
      if (expired.length === 0) break;
      for (const { deliveryId, correlationId } of expired) {
        const discarded = await withTransaction(pool, async (tx) => {
          const now = clock.now();
          const { rows } = await tx.query<{ status: string; sending: boolean }>(
            `SELECT status, (claim_id IS NOT NULL AND next_attempt_at > $2) AS sending
               FROM notifier_delivery_jobs WHERE job_id = $1 FOR UPDATE`,
            [deliveryId, now],
          );
          // Claimed by a lane since it was listed: that lane records the outcome.
          if (rows[0]?.status === 'PENDING' && rows[0].sending) return false;
          const context = {
            actor: NOTIFIER_ACTOR,
            correlationId: correlationId ?? deliveryId,
            causationId: null,
          };
          await this.options.stream.handle(
            deliveryId,
            { type: 'ExpireSealedPassword', now: now.toISOString() },
            context,
            tx,
          );
          await deliveryJobs.deleteSealed(tx, deliveryId);
          await deliveryJobs.deleteLinks(tx, deliveryId);
          if (rows[0]?.status === 'PENDING') {
            await deliveryJobs.markFailed(tx, deliveryId, 0, 'EXPIRED', now);
          }
          return true;
        });
        if (discarded) swept++;
      }
    }
    await pool.query('DELETE FROM notifier_reveal_links WHERE expires_at <= $1', [clock.now()]);
    return swept;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const swept = await this.sweep();
        if (swept > 0) this.options.logger.info({ swept }, 'expired sealed passwords discarded');
      } catch (error) {
        this.options.logger.error({ err: errorName(error) }, 'sweep failed; will retry');
      }
      if (this.running) await this.naps.sleep(this.options.sweepMs);
    }
  }
}
