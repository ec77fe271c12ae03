import type { Queryable } from '@lapse/shared';
import { activeTraceparent } from '@lapse/shared/tracing/tracing';
import type { DeliveryChannel, DeliveryMode } from './domain/delivery.events';

export type JobKind = 'TEMPORARY_PASSWORD' | 'EXPIRY_NOTICE' | 'RESET_LINK' | 'EXPIRY_REMINDER';

export interface DeliveryJob {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly userId: string;
  readonly channel: DeliveryChannel;
  readonly mode: DeliveryMode | 'NOTICE';
  readonly recipient: string;
  readonly login: string | null;
  readonly firstName: string | null;
  readonly expiresAt: Date | null;
  readonly attempts: number;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** The trace context of the span that recorded the job (only while tracing was on). */
  readonly traceparent?: string | null;
}

/** A job a lane has claimed: `claimId` lets it record the outcome only while the claim still holds. */
export interface ClaimedDeliveryJob extends DeliveryJob {
  readonly claimId: string;
}

export interface NewDeliveryJob extends Omit<DeliveryJob, 'attempts'> {
  readonly notBefore: Date;
}

interface JobRow {
  job_id: string;
  kind: JobKind;
  user_id: string;
  channel: DeliveryChannel;
  mode: DeliveryMode | 'NOTICE';
  recipient: string;
  login: string | null;
  first_name: string | null;
  expires_at: Date | null;
  attempts: number;
  correlation_id: string;
  causation_id: string | null;
  traceparent: string | null;
}

function toJob(row: JobRow): DeliveryJob {
  return {
    jobId: row.job_id,
    kind: row.kind,
    userId: row.user_id,
    channel: row.channel,
    mode: row.mode,
    recipient: row.recipient,
    login: row.login,
    firstName: row.first_name,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    traceparent: row.traceparent,
  };
}

/** Delivery jobs and the sealed envelopes and reveal links that go with them. All writes take a transaction. */
export const deliveryJobs = {
  /**
   * Records a job once; a second insert for the same id is ignored. The active span's trace context (while
   * tracing is on) goes with it, for the span that sends it.
   */
  async insert(tx: Queryable, job: NewDeliveryJob): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO notifier_delivery_jobs
         (job_id, kind, user_id, channel, mode, recipient, login, first_name, expires_at, next_attempt_at, correlation_id, causation_id, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (job_id) DO NOTHING`,
      [
        job.jobId,
        job.kind,
        job.userId,
        job.channel,
        job.mode,
        job.recipient,
        job.login,
        job.firstName,
        job.expiresAt,
        job.notBefore,
        job.correlationId,
        job.causationId,
        job.traceparent ?? activeTraceparent() ?? null,
      ],
    );
    return (rowCount ?? 0) > 0;
  },

  /** Whether any job is due: one indexed lookup, no transaction (what an idle worker polls). */
  async anyDue(db: Queryable, now: Date): Promise<boolean> {
    const { rows } = await db.query<{ due: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM notifier_delivery_jobs WHERE status = 'PENDING' AND next_attempt_at <= $1) AS due`,
      [now],
    );
    return rows[0]?.due === true;
  },

  /**
   * Claims the next due job no other lane holds, in one statement (its own short transaction): the row is
   * locked with `SKIP LOCKED`, stamped with `claimId`, and its `next_attempt_at` moved to `leaseUntil`, so
   * no lane claims it again before the lease runs out even though nothing stays locked while it is sent.
   */
  async claimDue(
    db: Queryable,
    now: Date,
    leaseUntil: Date,
    claimId: string,
  ): Promise<ClaimedDeliveryJob | null> {
    const { rows } = await db.query<JobRow>(
      `UPDATE notifier_delivery_jobs
          SET claim_id = $3, next_attempt_at = $2, updated_at = $1
        WHERE job_id = (
                SELECT job_id FROM notifier_delivery_jobs
                 WHERE status = 'PENDING' AND next_attempt_at <= $1
                 ORDER BY next_attempt_at
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED)
       RETURNING job_id, kind, user_id, channel, mode, recipient, login, first_name, expires_at, attempts, correlation_id, causation_id, traceparent`,
      [now, leaseUntil, claimId],
    );
    return rows[0] ? { ...toJob(rows[0]), claimId } : null;
  },

  /**
   * Locks the job for recording its outcome if `claimId` still holds it (still pending, not claimed
   * again since); false when the claim was lost and nothing may be recorded.
   */
  async lockClaimed(tx: Queryable, jobId: string, claimId: string): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM notifier_delivery_jobs WHERE job_id = $1 AND claim_id = $2 AND status = 'PENDING' FOR UPDATE`,
      [jobId, claimId],
    );
    return rows.length > 0;
  },

  async markSent(tx: Queryable, jobId: string, attempts: number, now: Date): Promise<void> {
    await tx.query(
      `UPDATE notifier_delivery_jobs SET status = 'SENT', attempts = $2, last_error = NULL, claim_id = NULL, updated_at = $3 WHERE job_id = $1`,
      [jobId, attempts, now],
    );
  },

  async markFailed(tx: Queryable, jobId: string, attempts: number, error: string, now: Date): Promise<void> {
    await tx.query(
      `UPDATE notifier_delivery_jobs SET status = 'FAILED', attempts = $2, last_error = $3, claim_id = NULL, updated_at = $4 WHERE job_id = $1`,
      [jobId, attempts, error.slice(0, 1000), now],
    );
  },

  async scheduleRetry(
    tx: Queryable,
    jobId: string,
    attempts: number,
    error: string,
    at: Date,
    now: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE notifier_delivery_jobs SET attempts = $2, last_error = $3, next_attempt_at = $4, claim_id = NULL, updated_at = $5 WHERE job_id = $1`,
      [jobId, attempts, error.slice(0, 1000), at, now],
    );
  },

  async storeSealed(
    tx: Queryable,
    sealed: { deliveryId: string; userId: string; sealed: string; expiresAt: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO notifier_sealed_passwords (delivery_id, user_id, sealed, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (delivery_id) DO NOTHING`,
      [sealed.deliveryId, sealed.userId, sealed.sealed, sealed.expiresAt],
    );
  },

  async sealedFor(tx: Queryable, deliveryId: string): Promise<string | null> {
    const { rows } = await tx.query<{ sealed: string }>(
      'SELECT sealed FROM notifier_sealed_passwords WHERE delivery_id = $1',
      [deliveryId],
    );
    return rows[0]?.sealed ?? null;
  },

  async deleteSealed(tx: Queryable, deliveryId: string): Promise<void> {
    await tx.query('DELETE FROM notifier_sealed_passwords WHERE delivery_id = $1', [deliveryId]);
  },

  async deleteLinks(tx: Queryable, deliveryId: string): Promise<void> {
    await tx.query('DELETE FROM notifier_reveal_links WHERE delivery_id = $1', [deliveryId]);
  },

  /** Replaces the delivery's reveal link (a retried send mails a fresh one). */
  async storeRevealLink(
    tx: Queryable,
    link: { tokenSha256: string; deliveryId: string; expiresAt: Date },
  ): Promise<void> {
    await tx.query('DELETE FROM notifier_reveal_links WHERE delivery_id = $1', [link.deliveryId]);
    await tx.query(
      'INSERT INTO notifier_reveal_links (token_sha256, delivery_id, expires_at) VALUES ($1, $2, $3)',
      [link.tokenSha256, link.deliveryId, link.expiresAt],
    );
  },

  /**
   * Deliveries whose sealed envelope outlived the temporary password, oldest first; a job a lane is
   * sending right now (claimed, lease running) is left to that lane, which records its outcome.
   */
  async expiredSealed(
    db: Queryable,
    now: Date,
    limit: number,
  ): Promise<{ deliveryId: string; correlationId: string | null }[]> {
    const { rows } = await db.query<{ delivery_id: string; correlation_id: string | null }>(
      `SELECT s.delivery_id, j.correlation_id
         FROM notifier_sealed_passwords s LEFT JOIN notifier_delivery_jobs j ON j.job_id = s.delivery_id
        WHERE s.expires_at <= $1
          AND NOT (j.status IS NOT DISTINCT FROM 'PENDING' AND j.claim_id IS NOT NULL AND j.next_attempt_at > $1)
        ORDER BY s.expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => ({ deliveryId: row.delivery_id, correlationId: row.correlation_id }));
  },
};
