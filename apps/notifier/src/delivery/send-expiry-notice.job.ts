import { type Clock, DIRECTORY_EVENT_TYPES } from '@lapse/shared';
import { passwordExpiredNoticeEmail } from '../channels/email/email.templates';
import type { EmailSender } from '../channels/email/smtp-email.sender';
import { SendFailure } from '../channels/send-failure';
import { type ClaimedDeliveryJob, deliveryJobs } from './delivery-jobs.repository';
import type { DeliveryJobOutcomes } from './delivery-job-outcomes';
import type { RateLimiter } from './rate-limiter';
import { recordSendFailure } from './send-failed';

export interface SendExpiryNoticeOptions {
  readonly outcomes: DeliveryJobOutcomes;
  readonly email: EmailSender;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
}

/**
 * Emails the plain "your password has expired" notice (job kind EXPIRY_NOTICE; no secret in it), with no
 * transaction open, then records the outcome on the job row. Retried like other emails; after the last
 * attempt the notice is parked in the dead letters.
 */
export class SendExpiryNotice {
  constructor(private readonly options: SendExpiryNoticeOptions) {}

  async handle(job: ClaimedDeliveryJob): Promise<void> {
    const { outcomes, clock } = this.options;
    const attempts = job.attempts + 1;
    try {
      await this.options.rateLimiter.take();
      await this.options.email.send(
        job.recipient,
        passwordExpiredNoticeEmail({ firstName: job.firstName, login: job.login }),
      );
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      await recordSendFailure(
        outcomes,
        job,
        { error, code: 'SMTP_FAILED', attempts, clock },
        {
          eventId: job.causationId,
          eventType: DIRECTORY_EVENT_TYPES.PasswordExpired,
          payload: { noticeId: job.jobId, userId: job.userId, channel: job.channel },
        },
      );
      return;
    }
    await outcomes.record(job, (tx) => deliveryJobs.markSent(tx, job.jobId, attempts, clock.now()));
  }
}
