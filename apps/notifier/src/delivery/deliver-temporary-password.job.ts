import type { Pool, PoolClient } from 'pg';
import { type Clock, DIRECTORY_EVENT_TYPES, type Logger, newSecretToken } from '@lapse/shared';
import { inlinePasswordEmail, revealLinkEmail } from '../channels/email/email.templates';
import type { EmailSender } from '../channels/email/smtp-email.sender';
import { SendFailure } from '../channels/send-failure';
import { voiceMessage } from '../channels/voice/domain/spell-phonetically';
import type { VoiceSender } from '../channels/voice/voice-webhook.sender';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import { openSealedPassword } from '../keys/sealed-password';
import { revealPath, tokenSha256 } from '../reveal/reveal-link';
import { type ClaimedDeliveryJob, type DeliveryJob, deliveryJobs } from './delivery-jobs.repository';
import { type DeliveryJobOutcomes, jobContext } from './delivery-job-outcomes';
import type { DeliveryStream } from './delivery.stream';
import type { DeliveryFailureReason } from './domain/delivery.events';
import { DELIVERY_WORKER, parkFailedDelivery } from './park-failed-delivery';
import type { RateLimiter } from './rate-limiter';

export interface DeliverTemporaryPasswordOptions {
  readonly pool: Pool;
  readonly stream: DeliveryStream;
  readonly outcomes: DeliveryJobOutcomes;
  readonly keys: KeyRing;
  readonly email: EmailSender;
  readonly voice: VoiceSender | null;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publicUrl: string;
}

/** A message ready to go: the plaintext (inline and voice) lives only inside `send`. */
interface PreparedMessage {
  readonly send: () => Promise<void>;
  /** For a link email: the link to keep (its token's hash) once the email is sent. */
  readonly revealLink?: {
    readonly tokenSha256: string;
    readonly deliveryId: string;
    readonly expiresAt: Date;
  };
}

/**
 * Delivers a temporary password (job kind TEMPORARY_PASSWORD) by email, as a one-time link or inline, or
 * by voice. The envelope is read and the message built without a transaction, its reveal link stored
 * (under the lane's claim), the message sent with no transaction open, and the outcome (delivery events,
 * job row, envelope deleted) recorded in one transaction afterwards. A send that fails is retried with backoff; after the last attempt the delivery fails and
 * is parked in the dead letters.
 */
export class DeliverTemporaryPassword {
  constructor(private readonly options: DeliverTemporaryPasswordOptions) {}

  async handle(job: ClaimedDeliveryJob): Promise<void> {
    const { clock, stream, logger, outcomes } = this.options;
    const now = clock.now();
    if (job.expiresAt && job.expiresAt.getTime() <= now.getTime()) {
      const recorded = await outcomes.record(job, async (tx) => {
        await stream.handle(
          job.jobId,
          { type: 'ExpireSealedPassword', now: now.toISOString() },
          jobContext(job),
          tx,
        );
        await deliveryJobs.deleteSealed(tx, job.jobId);
        await deliveryJobs.deleteLinks(tx, job.jobId);
        await deliveryJobs.markFailed(tx, job.jobId, job.attempts, 'EXPIRED', now);
      });
      if (recorded)
        logger.info(
          { deliveryId: job.jobId, userId: job.userId },
          'temporary password expired before delivery',
        );
      return;
    }
    let message: PreparedMessage;
    try {
      message = await this.prepare(job);
    } catch (error) {
      if (!(error instanceof EnvelopeUnreadableError)) throw error;
      await outcomes.record(job, (tx) =>
        this.fail(tx, job, job.attempts, 'ENVELOPE_UNREADABLE', error.reason),
      );
      return;
    }
    const attempts = job.attempts + 1;
    // The link's row is committed before the email leaves: a user who clicks it the moment it arrives finds
    // it (and is told to wait a moment if the send is not recorded yet), never "not valid". A lane whose claim
    // was lost sends nothing: the lane holding the job now sends its own link.
    const { revealLink } = message;
    if (revealLink && !(await outcomes.record(job, (tx) => deliveryJobs.storeRevealLink(tx, revealLink))))
      return;
    try {
      await this.options.rateLimiter.take();
      await message.send();
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      const reason: DeliveryFailureReason = job.channel === 'EMAIL' ? 'SMTP_FAILED' : 'VOICE_FAILED';
      await outcomes.record(job, (tx) =>
        outcomes.retries(error.permanent, attempts)
          ? outcomes.retryLater(tx, job, attempts, error.message)
          : this.fail(tx, job, attempts, reason, error.message),
      );
      return;
    }
    const sentAt = clock.now();
    const recorded = await outcomes.record(job, async (tx) => {
      await stream.handle(
        job.jobId,
        { type: 'RecordSent', attempts, now: sentAt.toISOString() },
        jobContext(job),
        tx,
      );
      if (job.mode !== 'LINK') await deliveryJobs.deleteSealed(tx, job.jobId);
      await deliveryJobs.markSent(tx, job.jobId, attempts, sentAt);
    });
    if (recorded)
      logger.info(
        { deliveryId: job.jobId, userId: job.userId, channel: job.channel, attempts },
        'temporary password delivered',
      );
  }

  /** Reads the sealed envelope (no transaction) and builds the message. */
  private async prepare(job: DeliveryJob): Promise<PreparedMessage> {
    const sealed = await deliveryJobs.sealedFor(this.options.pool, job.jobId);
    if (!sealed) throw new EnvelopeUnreadableError('SEALED_PASSWORD_MISSING');
    const expiresAt = (job.expiresAt ?? this.options.clock.now()).toISOString();
    if (job.channel === 'EMAIL' && job.mode === 'LINK') {
      const token = newSecretToken();
      const content = revealLinkEmail({
        firstName: job.firstName,
        login: job.login,
        link: `${this.options.publicUrl}${revealPath(token)}`,
        expiresAt,
      });
      return {
        send: () => this.options.email.send(job.recipient, content),
        revealLink: {
          tokenSha256: tokenSha256(token),
          deliveryId: job.jobId,
          expiresAt: job.expiresAt ?? new Date(expiresAt),
        },
      };
    }
    const { tempPassword } = await openSealedPassword(this.options.keys, sealed, {
      deliveryId: job.jobId,
      userId: job.userId,
    });
    if (job.channel === 'EMAIL') {
      const content = inlinePasswordEmail({
        firstName: job.firstName,
        login: job.login,
        password: tempPassword,
        expiresAt,
      });
      return { send: () => this.options.email.send(job.recipient, content) };
    }
    const voice = this.options.voice;
    if (!voice)
      return { send: () => Promise.reject(new SendFailure('voice delivery is not configured', true)) };
    const text = voiceMessage(tempPassword, job.firstName);
    return {
      send: () =>
        voice.call(
          { to: job.recipient, text, deliveryId: job.jobId },
          Math.floor(this.options.clock.now().getTime() / 1000),
        ),
    };
  }

  private async fail(
    tx: PoolClient,
    job: DeliveryJob,
    attempts: number,
    reason: DeliveryFailureReason,
    detail: string,
  ): Promise<void> {
    const now = this.options.clock.now();
    await this.options.stream.handle(
      job.jobId,
      { type: 'RecordFailed', reason, detail, attempts, now: now.toISOString() },
      jobContext(job),
      tx,
    );
    await deliveryJobs.deleteSealed(tx, job.jobId);
    await deliveryJobs.deleteLinks(tx, job.jobId);
    await deliveryJobs.markFailed(tx, job.jobId, attempts, `${reason}: ${detail}`, now);
    await parkFailedDelivery(tx, {
      consumer: DELIVERY_WORKER,
      userId: job.userId,
      eventId: job.causationId,
      eventType: DIRECTORY_EVENT_TYPES.TemporaryPasswordDeliveryRequested,
      payload: { deliveryId: job.jobId, userId: job.userId, channel: job.channel },
      reason: `${reason}: ${detail}`,
      attempts,
    });
    this.options.logger.error(
      { deliveryId: job.jobId, userId: job.userId, reason, attempts },
      'temporary password delivery failed',
    );
  }
}
