import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Clock, Logger } from '@lapse/shared';
import { withSpan } from '@lapse/shared/tracing/tracing';
import type { EmailSender } from '../channels/email/smtp-email.sender';
import type { VoiceSender } from '../channels/voice/voice-webhook.sender';
import type { KeyRing } from '../keys/key-ring';
import type { ResetLinkEmailOutcomes } from '../reset-link/reset-link-emails';
import { DeliverTemporaryPassword } from './deliver-temporary-password.job';
import { type ClaimedDeliveryJob, deliveryJobs, type JobKind } from './delivery-jobs.repository';
import { DeliveryJobOutcomes } from './delivery-job-outcomes';
import { DeliveryLanes } from './delivery-lanes';
import type { DeliveryStream } from './delivery.stream';
import type { RetryPolicy } from './domain/retry-policy';
import { EmailResetLink } from './email-reset-link.job';
import type { RateLimiter } from './rate-limiter';
import { SealedPasswordSweeper } from './sealed-password.sweeper';
import { SendExpiryNotice } from './send-expiry-notice.job';
import { SendExpiryReminder } from '../notices/send-expiry-reminder.job';

/**
 * How long a claimed job is kept from other lanes while it is sent with no transaction open. Much longer
 * than a send can take (the SMTP client gives up after its 10 s connection, 10 s greeting and 30 s socket
 * timeouts; the voice webhook after its own timeout; the rate limiter waits about a second at most), so
 * only a lane that died mid-send (or a stalled process) lets the job go to another lane: see
 * docs/notifier.md for what that means for a message sent twice.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;

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
  /** How long a claim keeps a job from other lanes (CLAIM_LEASE_MS unless set). */
  readonly claimLeaseMs?: number;
}

/**
 * Sends what the consumer recorded. Lanes (DeliveryLanes) claim one due job at a time in a short
 * statement of its own (`FOR UPDATE SKIP LOCKED`, then a lease), hand it to the handler of its kind,
 * which sends it with no transaction open and records the outcome in a second transaction, only while
 * its claim still holds the job. A sweeper (SealedPasswordSweeper) discards envelopes that outlived their
 * temporary password.
 */
export class DeliveryWorker {
  private readonly lanes: DeliveryLanes;
  private readonly sweeper: SealedPasswordSweeper;
  /** The handler of each job kind. */
  private readonly handlers: Record<JobKind, (job: ClaimedDeliveryJob) => Promise<void>>;

  constructor(private readonly options: DeliveryWorkerOptions) {
    const { pool, stream, keys, email, voice, rateLimiter, clock, logger, publicUrl } = options;
    const outcomes = new DeliveryJobOutcomes({
      pool,
      clock,
      logger,
      retry: options.retry,
      random: options.random ?? Math.random,
    });
    const deliver = new DeliverTemporaryPassword({
      pool,
      stream,
      outcomes,
      keys,
      email,
      voice,
      rateLimiter,
      clock,
      logger,
      publicUrl,
    });
    const resetLink = new EmailResetLink({
      pool,
      outcomes,
      resetLinkOutcomes: options.resetLinkOutcomes,
      keys,
      email,
      rateLimiter,
      clock,
      logger,
    });
    const notice = new SendExpiryNotice({ outcomes, email, rateLimiter, clock });
    const reminder = new SendExpiryReminder({ pool, outcomes, email, voice, rateLimiter, clock, publicUrl });
    this.handlers = {
      TEMPORARY_PASSWORD: (job) => deliver.handle(job),
      EXPIRY_NOTICE: (job) => notice.handle(job),
      RESET_LINK: (job) => resetLink.handle(job),
      EXPIRY_REMINDER: (job) => reminder.handle(job),
    };
    this.lanes = new DeliveryLanes({
      concurrency: options.concurrency,
      pollMs: options.pollMs,
      logger,
      processNext: () => this.processNext(),
      anyDue: () => deliveryJobs.anyDue(pool, clock.now()),
    });
    this.sweeper = new SealedPasswordSweeper({ pool, stream, clock, logger, sweepMs: options.sweepMs });
  }

  start(): void {
    this.lanes.start();
    this.sweeper.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.lanes.stop(), this.sweeper.stop()]);
  }

  /** Processes due jobs until none is left (for tests and one-shot runs). Returns how many were handled. */
  async drain(): Promise<number> {
    let handled = 0;
    while (await this.processNext()) handled++;
    return handled;
  }

  /** Claims and handles the next due job; false when none is due. */
  async processNext(): Promise<boolean> {
    const now = this.options.clock.now();
    const leaseUntil = new Date(now.getTime() + (this.options.claimLeaseMs ?? CLAIM_LEASE_MS));
    const job = await deliveryJobs.claimDue(this.options.pool, now, leaseUntil, randomUUID());
    if (!job) return false;
    // While tracing is on: a span in the trace of the request that led to the job (its stored traceparent).
    await withSpan(
      `deliver ${job.kind}`,
      {
        parent: job.traceparent ?? null,
        attributes: {
          'lapse.delivery.kind': job.kind,
          'lapse.delivery.channel': job.channel,
          'lapse.delivery.attempt': job.attempts + 1,
        },
      },
      () => this.handlers[job.kind](job),
    );
    return true;
  }

  /** Discards sealed envelopes (and their links) whose temporary password has expired. */
  sweep(): Promise<number> {
    return this.sweeper.sweep();
  }
}
