import type { Pool, PoolClient } from 'pg';
import type { Clock, Logger } from '@lapse/shared';
import { resetLinkEmail } from '../channels/email/email.templates';
import type { EmailSender } from '../channels/email/smtp-email.sender';
import { SendFailure } from '../channels/send-failure';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import type { ResetLinkEmailFailureReason } from '../reset-link/reset-link-email.events';
import { openSealedLink, type ResetLinkEmailOutcomes, sealedLinks } from '../reset-link/reset-link-emails';
import { type ClaimedDeliveryJob, type DeliveryJob, deliveryJobs } from './delivery-jobs.repository';
import { type DeliveryJobOutcomes, jobContext } from './delivery-job-outcomes';
import type { RateLimiter } from './rate-limiter';

export interface EmailResetLinkOptions {
  readonly pool: Pool;
  readonly outcomes: DeliveryJobOutcomes;
  /** Where reset-link emails record their outcome (absent: such jobs are not expected). */
  readonly resetLinkOutcomes?: ResetLinkEmailOutcomes;
  readonly keys: KeyRing;
  readonly email: EmailSender;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Emails a reset link (job kind RESET_LINK): opened from its sealed envelope just before sending (no
 * transaction), sent with none open, then the outcome recorded and the envelope deleted in one
 * transaction. Retried like other emails; the outcome (sent, or failed with its reason) is recorded once.
 */
export class EmailResetLink {
  constructor(private readonly options: EmailResetLinkOptions) {}

  async handle(job: ClaimedDeliveryJob): Promise<void> {
    const { clock, logger, outcomes } = this.options;
    const now = clock.now();
    if (job.expiresAt && job.expiresAt.getTime() <= now.getTime()) {
      await outcomes.record(job, (tx) =>
        this.failed(tx, job, job.attempts, 'EXPIRED', 'the link expired before it was sent'),
      );
      return;
    }
    let content: ReturnType<typeof resetLinkEmail>;
    try {
      const sealed = await sealedLinks.find(this.options.pool, job.jobId);
      if (!sealed) throw new EnvelopeUnreadableError('SEALED_LINK_MISSING');
      const { resetPasswordUrl, expiresAt, selfService } = await openSealedLink(this.options.keys, sealed, {
        deliveryId: job.jobId,
        userId: job.userId,
      });
      content = resetLinkEmail({
        firstName: job.firstName,
        login: job.login,
        link: resetPasswordUrl,
        expiresAt,
        selfService: selfService === true,
      });
    } catch (error) {
      if (!(error instanceof EnvelopeUnreadableError)) throw error;
      await outcomes.record(job, (tx) =>
        this.failed(tx, job, job.attempts, 'ENVELOPE_UNREADABLE', error.reason),
      );
      return;
    }
    const attempts = job.attempts + 1;
    try {
      await this.options.rateLimiter.take();
      await this.options.email.send(job.recipient, content);
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      await outcomes.record(job, (tx) =>
        outcomes.retries(error.permanent, attempts)
          ? outcomes.retryLater(tx, job, attempts, error.message)
          : this.failed(tx, job, attempts, 'SMTP_FAILED', error.message),
      );
      return;
    }
    const sentAt = clock.now();
    const recorded = await outcomes.record(job, async (tx) => {
      await this.resetLinkOutcomes().record(
        tx,
        {
          type: 'ResetLinkEmailSent',
          schemaVersion: 1,
          data: { deliveryId: job.jobId, userId: job.userId, attempts, sentAt: sentAt.toISOString() },
        },
        jobContext(job),
      );
      await sealedLinks.delete(tx, job.jobId);
      await deliveryJobs.markSent(tx, job.jobId, attempts, sentAt);
    });
    if (recorded) logger.info({ deliveryId: job.jobId, userId: job.userId, attempts }, 'reset link emailed');
  }

  private async failed(
    tx: PoolClient,
    job: DeliveryJob,
    attempts: number,
    reason: ResetLinkEmailFailureReason,
    detail: string,
  ): Promise<void> {
    const now = this.options.clock.now();
    await this.resetLinkOutcomes().record(
      tx,
      {
        type: 'ResetLinkEmailFailed',
        schemaVersion: 1,
        data: { deliveryId: job.jobId, userId: job.userId, reason, attempts, failedAt: now.toISOString() },
      },
      jobContext(job),
    );
    await sealedLinks.delete(tx, job.jobId);
    await deliveryJobs.markFailed(tx, job.jobId, attempts, `${reason}: ${detail}`, now);
    this.options.logger.error(
      { deliveryId: job.jobId, userId: job.userId, reason, attempts },
      'reset link email failed',
    );
  }

  private resetLinkOutcomes(): ResetLinkEmailOutcomes {
    if (!this.options.resetLinkOutcomes) throw new Error('reset-link outcomes are not wired');
    return this.options.resetLinkOutcomes;
  }
}
