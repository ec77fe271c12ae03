import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  type Clock,
  type CommandContext,
  DIRECTORY_EVENT_TYPES,
  type Logger,
  withTransaction,
  newSecretToken,
} from '@lapse/shared';
import {
  passwordExpiredNoticeEmail,
  inlinePasswordEmail,
  resetLinkEmail,
  revealLinkEmail,
} from '../channels/email/email.templates';
import type { EmailSender } from '../channels/email/smtp-email.sender';
import { SendFailure } from '../channels/send-failure';
import { voiceMessage } from '../channels/voice/domain/spell-phonetically';
import type { VoiceSender } from '../channels/voice/voice-webhook.sender';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import { openSealedPassword } from '../keys/sealed-password';
import type { ResetLinkEmailFailureReason } from '../reset-link/reset-link-email.events';
import { openSealedLink, type ResetLinkEmailOutcomes, sealedLinks } from '../reset-link/reset-link-emails';
import { type DeliveryJob, deliveryJobs } from './delivery-jobs.repository';
import { type DeliveryStream, NOTIFIER_ACTOR } from './delivery.stream';
import type { DeliveryFailureReason } from './domain/delivery.events';
import { hasAttemptsLeft, type RetryPolicy, retryDelayMs } from './domain/retry-policy';
import { DELIVERY_WORKER, parkFailedDelivery } from './park-failed-delivery';
import type { RateLimiter } from './rate-limiter';

export interface DeliveryWorkerOptions {
  readonly pool: Pool;
  readonly stream: DeliveryStream;
  /** Where reset-link emails record their outcome (absent: such jobs are not expected). */
  readonly resetLinkOutcomes?: ResetLinkEmailOutcomes;
  readonly keys: KeyRing;
  readonly email: EmailSender;
  readonly voice: VoiceSender | null;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retry: RetryPolicy;
  readonly publicUrl: string;
  readonly concurrency: number;
  readonly pollMs: number;
  readonly sweepMs: number;
  readonly random?: () => number;
}

/** The path of the page that reveals a temporary password once. */
export function revealPath(token: string): string {
  return `/notifier/reveal/${token}`;
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Sends what the consumer recorded. Each lane locks one due job (`FOR UPDATE SKIP LOCKED`), sends it,
 * and records the outcome (job row + delivery events) in the same transaction, so a job is sent by one
 * lane at a time and its outcome is recorded once. Failures are retried with exponential backoff and
 * jitter; after the last attempt the delivery fails and is parked in the dead letters. A sweep deletes
 * sealed envelopes that outlived their temporary password.
 */
export class DeliveryWorker {
  private running = false;
  private lanes: Promise<void>[] = [];
  private sweeper: Promise<void> | null = null;
  private readonly sleepers = new Set<() => void>();
  /** Lanes waiting for the lookout to find work. */
  private readonly idleLanes = new Set<() => void>();
  private lookout = false;
  private readonly random: () => number;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lanes = Array.from({ length: this.options.concurrency }, (_, lane) => this.runLane(lane));
    this.sweeper = this.runSweeper();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.sleepers, ...this.idleLanes]) wake();
    await Promise.all([...this.lanes, this.sweeper]);
    this.lanes = [];
    this.sweeper = null;
  }

  /** Processes due jobs until none is left (for tests and one-shot runs). Returns how many were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    while (await this.processNext()) handled++;
    return handled;
  }

  /** Locks and handles the next due job; false when none is due. */
  async processNext(): Promise<boolean> {
    return withTransaction(this.options.pool, async (tx) => {
      const now = this.options.clock.now();
      const job = await deliveryJobs.claimDue(tx, now);
      if (!job) return false;
      if (job.kind === 'EXPIRY_NOTICE') await this.sendNotice(tx, job);
      else if (job.kind === 'RESET_LINK') await this.sendResetLink(tx, job);
      else await this.sendTemporaryPassword(tx, job);
      return true;
    });
  }

  /** Discards sealed envelopes (and their links) whose temporary password has expired. */
  async sweep(): Promise<number> {
    const { pool, clock } = this.options;
    let swept = 0;
    for (;;) {
      const expired = await deliveryJobs.expiredSealed(pool, clock.now(), 100);
      if (expired.length === 0) break;
      for (const { deliveryId, correlationId } of expired) {
        await withTransaction(pool, async (tx) => {
          const now = clock.now();
          const { rows } = await tx.query<{ status: string }>(
            'SELECT status FROM notifier_delivery_jobs WHERE job_id = $1 FOR UPDATE',
            [deliveryId],
          );
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
        });
        swept++;
      }
    }
    await pool.query('DELETE FROM notifier_reveal_links WHERE expires_at <= $1', [clock.now()]);
    return swept;
  }

  /**
   * One idle lane at a time is the lookout: every `pollMs` it asks whether anything is due (one indexed
   * query, no transaction) and, when something is, wakes the idle lanes; each lane works until nothing is
   * left, then the first one idle becomes the lookout again and the others wait to be woken. An idle
   * notifier so makes a few cheap queries a second, not a locking transaction per lane.
   */
  private async runLane(lane: number): Promise<void> {
    // Woken for a due job this lane then could not claim (another lane holds it, mid-send): wait a poll
    // before asking again, or the lookout would ask, wake and find nothing in a loop until that send ends.
    let claimedNothing = false;
    while (this.running) {
      let worked = false;
      try {
        worked = await this.processNext();
      } catch (error) {
        this.options.logger.error({ lane, err: errorName(error) }, 'delivery lane failed; will retry');
      }
      if (worked || !this.running) {
        claimedNothing = false;
        continue;
      }
      if (this.lookout) {
        await this.idle(Number.POSITIVE_INFINITY, this.idleLanes);
        continue;
      }
      this.lookout = true;
      try {
        if (claimedNothing) await this.idle(this.options.pollMs);
        while (this.running && !(await this.due())) await this.idle(this.options.pollMs);
      } finally {
        this.lookout = false;
      }
      claimedNothing = true;
      for (const wake of [...this.idleLanes]) wake();
    }
  }

  private async due(): Promise<boolean> {
    try {
      return await deliveryJobs.anyDue(this.options.pool, this.options.clock.now());
    } catch (error) {
      this.options.logger.error({ err: errorName(error) }, 'delivery poll failed; will retry');
      return false;
    }
  }

  private async runSweeper(): Promise<void> {
    while (this.running) {
      try {
        const swept = await this.sweep();
        if (swept > 0) this.options.logger.info({ swept }, 'expired sealed passwords discarded');
      } catch (error) {
        this.options.logger.error({ err: errorName(error) }, 'sweep failed; will retry');
      }
      await this.idle(this.options.sweepMs);
    }
  }

  /** Waits `ms`, or less if the worker is stopped (or, for idle lanes, woken) meanwhile. */
  private idle(ms: number, sleepers = this.sleepers): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      sleepers.add(done);
    });
  }

  private context(job: DeliveryJob): CommandContext {
    return { actor: NOTIFIER_ACTOR, correlationId: job.correlationId, causationId: job.causationId };
  }

  private async sendTemporaryPassword(tx: PoolClient, job: DeliveryJob): Promise<void> {
    const { clock, stream, logger } = this.options;
    const now = clock.now();
    if (job.expiresAt && job.expiresAt.getTime() <= now.getTime()) {
      await stream.handle(
        job.jobId,
        { type: 'ExpireSealedPassword', now: now.toISOString() },
        this.context(job),
        tx,
      );
      await deliveryJobs.deleteSealed(tx, job.jobId);
      await deliveryJobs.deleteLinks(tx, job.jobId);
      await deliveryJobs.markFailed(tx, job.jobId, job.attempts, 'EXPIRED', now);
      logger.info(
        { deliveryId: job.jobId, userId: job.userId },
        'temporary password expired before delivery',
      );
      return;
    }
    let send: () => Promise<void>;
    try {
      send = await this.prepareTemporaryPassword(tx, job);
    } catch (error) {
      if (!(error instanceof EnvelopeUnreadableError)) throw error;
      await this.fail(tx, job, job.attempts, 'ENVELOPE_UNREADABLE', error.reason);
      return;
    }
    const attempts = job.attempts + 1;
    try {
      await this.options.rateLimiter.take();
      await send();
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      const reason: DeliveryFailureReason = job.channel === 'EMAIL' ? 'SMTP_FAILED' : 'VOICE_FAILED';
      if (!error.permanent && hasAttemptsLeft(this.options.retry, attempts)) {
        await this.retryLater(tx, job, attempts, error.message);
      } else {
        await this.fail(tx, job, attempts, reason, error.message);
      }
      return;
    }
    const sentAt = clock.now();
    await stream.handle(
      job.jobId,
      { type: 'RecordSent', attempts, now: sentAt.toISOString() },
      this.context(job),
      tx,
    );
    if (job.mode !== 'LINK') await deliveryJobs.deleteSealed(tx, job.jobId);
    await deliveryJobs.markSent(tx, job.jobId, attempts, sentAt);
    logger.info(
      { deliveryId: job.jobId, userId: job.userId, channel: job.channel, attempts },
      'temporary password delivered',
    );
  }

  /** Builds the message; the plaintext (inline and voice) lives only inside the returned closure. */
  private async prepareTemporaryPassword(tx: PoolClient, job: DeliveryJob): Promise<() => Promise<void>> {
    const sealed = await deliveryJobs.sealedFor(tx, job.jobId);
    if (!sealed) throw new EnvelopeUnreadableError('SEALED_PASSWORD_MISSING');
    const expiresAt = (job.expiresAt ?? this.options.clock.now()).toISOString();
    if (job.channel === 'EMAIL' && job.mode === 'LINK') {
      const token = newSecretToken();
      await deliveryJobs.storeRevealLink(tx, {
        tokenSha256: tokenSha256(token),
        deliveryId: job.jobId,
        expiresAt: job.expiresAt ?? new Date(expiresAt),
      });
      const content = revealLinkEmail({
        firstName: job.firstName,
        login: job.login,
        link: `${this.options.publicUrl}${revealPath(token)}`,
        expiresAt,
      });
      return () => this.options.email.send(job.recipient, content);
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
      return () => this.options.email.send(job.recipient, content);
    }
    const voice = this.options.voice;
    if (!voice) return () => Promise.reject(new SendFailure('voice delivery is not configured', true));
    const text = voiceMessage(tempPassword, job.firstName);
    return () =>
      voice.call(
        { to: job.recipient, text, deliveryId: job.jobId },
        Math.floor(this.options.clock.now().getTime() / 1000),
      );
  }

  private async retryLater(tx: PoolClient, job: DeliveryJob, attempts: number, error: string): Promise<void> {
    const now = this.options.clock.now();
    const delay = retryDelayMs(this.options.retry, attempts, this.random());
    await deliveryJobs.scheduleRetry(tx, job.jobId, attempts, error, new Date(now.getTime() + delay), now);
    this.options.logger.warn(
      { jobId: job.jobId, kind: job.kind, channel: job.channel, attempts, retryInMs: delay, err: error },
      'delivery attempt failed; will retry',
    );
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
      this.context(job),
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

  /**
   * Emails a reset link: opened from its sealed envelope just before sending, then the envelope is
   * deleted. Retried like other emails; the outcome (sent, or failed with its reason) is recorded once.
   */
  private async sendResetLink(tx: PoolClient, job: DeliveryJob): Promise<void> {
    const { clock, logger } = this.options;
    const now = clock.now();
    if (job.expiresAt && job.expiresAt.getTime() <= now.getTime()) {
      await this.resetLinkFailed(tx, job, job.attempts, 'EXPIRED', 'the link expired before it was sent');
      return;
    }
    let content: ReturnType<typeof resetLinkEmail>;
    try {
      const sealed = await sealedLinks.find(tx, job.jobId);
      if (!sealed) throw new EnvelopeUnreadableError('SEALED_LINK_MISSING');
      const { resetPasswordUrl, expiresAt } = await openSealedLink(this.options.keys, sealed, {
        deliveryId: job.jobId,
        userId: job.userId,
      });
      content = resetLinkEmail({
        firstName: job.firstName,
        login: job.login,
        link: resetPasswordUrl,
        expiresAt,
      });
    } catch (error) {
      if (!(error instanceof EnvelopeUnreadableError)) throw error;
      await this.resetLinkFailed(tx, job, job.attempts, 'ENVELOPE_UNREADABLE', error.reason);
      return;
    }
    const attempts = job.attempts + 1;
    try {
      await this.options.rateLimiter.take();
      await this.options.email.send(job.recipient, content);
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      if (!error.permanent && hasAttemptsLeft(this.options.retry, attempts)) {
        await this.retryLater(tx, job, attempts, error.message);
      } else {
        await this.resetLinkFailed(tx, job, attempts, 'SMTP_FAILED', error.message);
      }
      return;
    }
    const sentAt = clock.now();
    await this.resetLinkOutcomes().record(
      tx,
      {
        type: 'ResetLinkEmailSent',
        schemaVersion: 1,
        data: { deliveryId: job.jobId, userId: job.userId, attempts, sentAt: sentAt.toISOString() },
      },
      this.context(job),
    );
    await sealedLinks.delete(tx, job.jobId);
    await deliveryJobs.markSent(tx, job.jobId, attempts, sentAt);
    logger.info({ deliveryId: job.jobId, userId: job.userId, attempts }, 'reset link emailed');
  }

  private async resetLinkFailed(
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
      this.context(job),
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

  private async sendNotice(tx: PoolClient, job: DeliveryJob): Promise<void> {
    const attempts = job.attempts + 1;
    try {
      await this.options.rateLimiter.take();
      await this.options.email.send(
        job.recipient,
        passwordExpiredNoticeEmail({ firstName: job.firstName, login: job.login }),
      );
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      if (!error.permanent && hasAttemptsLeft(this.options.retry, attempts)) {
        await this.retryLater(tx, job, attempts, error.message);
        return;
      }
      const now = this.options.clock.now();
      await deliveryJobs.markFailed(tx, job.jobId, attempts, `SMTP_FAILED: ${error.message}`, now);
      await parkFailedDelivery(tx, {
        consumer: DELIVERY_WORKER,
        userId: job.userId,
        eventId: job.causationId,
        eventType: DIRECTORY_EVENT_TYPES.PasswordExpired,
        payload: { noticeId: job.jobId, userId: job.userId, channel: job.channel },
        reason: `SMTP_FAILED: ${error.message}`,
        attempts,
      });
      return;
    }
    await deliveryJobs.markSent(tx, job.jobId, attempts, this.options.clock.now());
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
