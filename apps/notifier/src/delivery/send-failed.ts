import type { Clock } from '@lapse/shared';
import type { SendFailure } from '../channels/send-failure';
import type { DeliveryJobOutcomes } from './delivery-job-outcomes';
import { type ClaimedDeliveryJob, deliveryJobs } from './delivery-jobs.repository';
import { DELIVERY_WORKER, parkFailedDelivery } from './park-failed-delivery';

/**
 * Records a send that failed, for a job kind whose message carries no secret: tried again later while the
 * failure is not permanent and attempts are left; else the job is marked failed (`{code}: {message}`) and
 * parked in the dead letters as `letter` names it.
 */
export async function recordSendFailure(
  outcomes: DeliveryJobOutcomes,
  job: ClaimedDeliveryJob,
  failure: {
    readonly error: SendFailure;
    readonly code: string;
    readonly attempts: number;
    readonly clock: Clock;
  },
  letter: {
    readonly eventId: string | null;
    readonly eventType: string;
    readonly payload: Record<string, unknown>;
  },
): Promise<void> {
  const { error, code, attempts, clock } = failure;
  await outcomes.record(job, async (tx) => {
    if (outcomes.retries(error.permanent, attempts)) {
      await outcomes.retryLater(tx, job, attempts, error.message);
      return;
    }
    await deliveryJobs.markFailed(tx, job.jobId, attempts, `${code}: ${error.message}`, clock.now());
    await parkFailedDelivery(tx, {
      consumer: DELIVERY_WORKER,
      userId: job.userId,
      ...letter,
      reason: `${code}: ${error.message}`,
      attempts,
    });
  });
}
