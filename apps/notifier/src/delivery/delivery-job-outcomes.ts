import type { Pool, PoolClient } from 'pg';
import { type Clock, type CommandContext, type Logger, withTransaction } from '@lapse/shared';
import { type ClaimedDeliveryJob, type DeliveryJob, deliveryJobs } from './delivery-jobs.repository';
import { NOTIFIER_ACTOR } from './delivery.stream';
import { hasAttemptsLeft, type RetryPolicy, retryDelayMs } from './domain/retry-policy';

export interface DeliveryJobOutcomesOptions {
  readonly pool: Pool;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly random: () => number;
}

/**
 * What the job kinds share once the message is sent (or not): recording the outcome in its own
 * transaction, opened after the network call, and only while the lane's claim still holds the job.
 */
export class DeliveryJobOutcomes {
  constructor(private readonly options: DeliveryJobOutcomesOptions) {}

  /**
   * Runs `write` in one transaction if `job`'s claim still holds it (locked, so the sweeper or another
   * lane waits). False, with nothing written, when the claim was lost: its lease ran out and another
   * lane claimed the job, or the job was finished meanwhile.
   */
  async record(job: ClaimedDeliveryJob, write: (tx: PoolClient) => Promise<void>): Promise<boolean> {
    const recorded = await withTransaction(this.options.pool, async (tx) => {
      if (!(await deliveryJobs.lockClaimed(tx, job.jobId, job.claimId))) return false;
      await write(tx);
      return true;
    });
    if (!recorded) {
      this.options.logger.warn(
        { deliveryId: job.jobId, kind: job.kind, attempts: job.attempts },
        'delivery claim lost before its outcome was recorded; the lane holding it now records it',
      );
    }
    return recorded;
  }

  /** Whether a failed send is tried again: not when permanent, nor after the last attempt. */
  retries(permanent: boolean, attempts: number): boolean {
    return !permanent && hasAttemptsLeft(this.options.retry, attempts);
  }

  /** Schedules the next attempt with exponential backoff and jitter. */
  async retryLater(tx: PoolClient, job: DeliveryJob, attempts: number, error: string): Promise<void> {
    const now = this.options.clock.now();
    const delay = retryDelayMs(this.options.retry, attempts, this.options.random());
    await deliveryJobs.scheduleRetry(tx, job.jobId, attempts, error, new Date(now.getTime() + delay), now);
    this.options.logger.warn(
      { jobId: job.jobId, kind: job.kind, channel: job.channel, attempts, retryInMs: delay, err: error },
      'delivery attempt failed; will retry',
    );
  }
}

/** The command context of the events a job records. */
export function jobContext(job: DeliveryJob): CommandContext {
  return { actor: NOTIFIER_ACTOR, correlationId: job.correlationId, causationId: job.causationId };
}
