import type { CommandBus } from '@nestjs/cqrs';
import { Decide, type Queryable } from '@lapse/shared';
import type { PoolClient } from 'pg';
import { writeAudit } from '../audit/audit-log';
import type { AuditActor } from '../audit/audit-log';
import { type BulkJob, insertSlices } from './bulk-jobs';
import { bulkJobDecider, bulkJobStreamId, waveCount } from './domain/bulk-job.decider';

/**
 * A staged bulk expiry's waves (`waves: {size, intervalMinutes}`): the job's user set, ordered by id, cut into
 * waves of `size`, wave n starting `(n - 1) * intervalMinutes` after the cutoff. A wave is PENDING until it
 * starts, then RUNNING (its users are identity's fact, its slices are being fanned out), then COMPLETED; an
 * administrator's cancel turns the PENDING ones CANCELLED.
 */
export type WaveState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED';

export interface JobWave {
  readonly wave: number;
  readonly size: number;
  readonly state: WaveState;
  readonly startsAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

/** The waves a set of `users` makes under the plan, the first starting at `cutoff`. */
export function planWaves(
  users: number,
  plan: { readonly size: number; readonly intervalMinutes: number },
  cutoff: string,
  minuteMs: number,
): { wave: number; size: number; startsAt: string }[] {
  const count = waveCount(users, plan.size);
  return Array.from({ length: count }, (_, index) => ({
    wave: index + 1,
    size: Math.max(0, Math.min(plan.size, users - index * plan.size)),
    startsAt: new Date(Date.parse(cutoff) + index * plan.intervalMinutes * minuteMs).toISOString(),
  }));
}

export async function insertWaves(
  db: Queryable,
  jobId: string,
  waves: readonly { wave: number; size: number; startsAt: string }[],
): Promise<void> {
  await db.query(
    `INSERT INTO directory_bulk_job_waves (job_id, wave, size, starts_at, state)
     SELECT $1, wave, size, starts_at, 'PENDING'
       FROM unnest($2::int[], $3::int[], $4::timestamptz[]) AS w(wave, size, starts_at)`,
    [jobId, waves.map((w) => w.wave), waves.map((w) => w.size), waves.map((w) => w.startsAt)],
  );
}

interface WaveRow {
  wave: number;
  size: number;
  state: WaveState;
  starts_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export async function jobWaves(db: Queryable, jobId: string): Promise<JobWave[]> {
  const { rows } = await db.query<WaveRow>(
    `SELECT wave, size, state, starts_at, started_at, completed_at FROM directory_bulk_job_waves
      WHERE job_id = $1 ORDER BY wave`,
    [jobId],
  );
  return rows.map((row) => ({
    wave: row.wave,
    size: row.size,
    state: row.state,
    startsAt: row.starts_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    completedAt: row.completed_at?.toISOString() ?? null,
  }));
}

/** Per job, its next wave if that is due at `now` (waves start in order, one per job per call). */
export async function dueWaves(db: Queryable, now: string): Promise<{ jobId: string; wave: number }[]> {
  const { rows } = await db.query<{ job_id: string; wave: number }>(
    `SELECT job_id, min(wave) AS wave FROM directory_bulk_job_waves
      WHERE state = 'PENDING' AND starts_at <= $1::timestamptz GROUP BY job_id ORDER BY min(starts_at)`,
    [now],
  );
  return rows.map((row) => ({ jobId: row.job_id, wave: row.wave }));
}

/** The wave's state, its row locked for the caller's transaction (null: no such wave). */
async function lockWave(db: Queryable, jobId: string, wave: number): Promise<WaveState | null> {
  const { rows } = await db.query<{ state: WaveState }>(
    'SELECT state FROM directory_bulk_job_waves WHERE job_id = $1 AND wave = $2 FOR UPDATE',
    [jobId, wave],
  );
  return rows[0]?.state ?? null;
}

/**
 * Marks COMPLETED the running waves of the job whose slices are all done (idempotent; two slices of a wave
 * finishing in concurrent transactions each see the other unfinished, so the job's completion check runs it
 * again under the job's lock).
 */
export async function settleWaves(db: Queryable, jobId: string, now: string): Promise<void> {
  await db.query(
    `UPDATE directory_bulk_job_waves w SET state = 'COMPLETED', completed_at = $2
      WHERE w.job_id = $1 AND w.state = 'RUNNING'
        AND NOT EXISTS (SELECT 1 FROM directory_bulk_job_slices s
                         WHERE s.job_id = w.job_id AND s.wave = w.wave AND NOT s.done)`,
    [jobId, now],
  );
}

/** Whether the job still has waves to start or to finish. */
export async function hasOpenWaves(db: Queryable, jobId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM directory_bulk_job_waves WHERE job_id = $1 AND state IN ('PENDING', 'RUNNING') LIMIT 1`,
    [jobId],
  );
  return rows.length > 0;
}

/**
 * Starts wave `wave` of the job in the caller's transaction, which holds the job's row lock (`loadJob(…,
 * true)`): once, whichever instance gets here first (the wave must still be PENDING). Its users become the
 * fact identity holds (`BulkPasswordExpiryWaveStarted` and the wave's `BulkPasswordExpiryUsersScoped` chunks,
 * through the command bus), its slices are created for the fan-out, and the System Log records it. Returns
 * false when the wave was not PENDING (started elsewhere, or cancelled).
 */
export async function startWave(
  tx: PoolClient,
  commandBus: Pick<CommandBus, 'execute'>,
  job: BulkJob,
  wave: number,
  now: string,
  concurrency: number,
  actor: AuditActor,
): Promise<boolean> {
  if ((await lockWave(tx, job.id, wave)) !== 'PENDING') return false;
  const { rows } = await tx.query<{ user_id: string }>(
    'SELECT user_id FROM directory_bulk_job_users WHERE job_id = $1 AND wave = $2 ORDER BY user_id',
    [job.id, wave],
  );
  const userIds = rows.map((row) => row.user_id);
  await commandBus.execute(
    new Decide(
      bulkJobDecider,
      bulkJobStreamId(job.id),
      { type: 'StartBulkPasswordExpiryWave', wave, userIds, at: now },
      { actor: job.actor, correlationId: job.correlationId, causationId: job.id, occurredAt: now },
      { tx },
    ),
  );
  await tx.query(
    `UPDATE directory_bulk_job_waves SET state = 'RUNNING', started_at = $3 WHERE job_id = $1 AND wave = $2`,
    [job.id, wave, now],
  );
  await insertSlices(tx, job.id, concurrency, wave);
  await writeAudit(tx, [
    {
      eventType: 'user.lifecycle.password_mass_expiry',
      actor,
      target: { id: job.id, type: 'Job', alternateId: null },
      outcome: 'SUCCESS',
      reason: job.reason,
      correlationId: job.correlationId,
      displayMessage: `Wave ${wave} of a staged bulk expiry started: expire passwords of ${userIds.length} users`,
      debugData: { wave, users: userIds.length, cutoff: job.cutoff },
      published: now,
    },
  ]);
  return true;
}
