import type { Queryable } from '@lapse/shared';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';
import { USERS_VIEW } from '../user/read-models/directory-users.projection';

export { bulkJobStreamId } from './domain/bulk-job.decider';

export interface BulkJob {
  readonly id: string;
  readonly status: 'RUNNING' | 'COMPLETED';
  readonly cutoff: string;
  readonly providers: CredentialProviderType[];
  readonly reason: string | null;
  readonly total: number;
  readonly expired: number;
  readonly skipped: number;
  readonly checkpoint: string | null;
  readonly actor: string;
  readonly correlationId: string;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

interface JobRow {
  id: string;
  status: BulkJob['status'];
  cutoff: Date;
  providers: CredentialProviderType[];
  reason: string | null;
  total: number;
  expired: number;
  skipped: number;
  checkpoint: string | null;
  actor: string;
  correlation_id: string;
  created_at: Date;
  completed_at: Date | null;
}

function toJob(row: JobRow): BulkJob {
  return {
    id: row.id,
    status: row.status,
    cutoff: row.cutoff.toISOString(),
    providers: row.providers,
    reason: row.reason,
    total: row.total,
    expired: row.expired,
    skipped: row.skipped,
    checkpoint: row.checkpoint,
    actor: row.actor,
    correlationId: row.correlation_id,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/** The job; while it runs, `expired`/`skipped` are the sums of its slices' progress. */
export async function loadJob(db: Queryable, id: string, forUpdate = false): Promise<BulkJob | null> {
  const { rows } = await db.query<JobRow>(
    `SELECT * FROM directory_bulk_jobs WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  if (!rows[0]) return null;
  const job = toJob(rows[0]);
  if (job.status === 'COMPLETED') return job;
  const progress = await db.query<{ expired: string; skipped: string }>(
    'SELECT coalesce(sum(expired), 0) AS expired, coalesce(sum(skipped), 0) AS skipped FROM directory_bulk_job_slices WHERE job_id = $1',
    [id],
  );
  return { ...job, expired: Number(progress.rows[0].expired), skipped: Number(progress.rows[0].skipped) };
}

export interface JobSlice {
  readonly slice: number;
  readonly low: string;
  readonly high: string | null;
  readonly checkpoint: string | null;
  readonly done: boolean;
}

/** Splits the user-id space into `count` disjoint ranges by the first 32 bits. */
export function sliceRanges(count: number): { low: string; high: string | null }[] {
  const bound = (i: number) =>
    `${Math.floor((i * 2 ** 32) / count)
      .toString(16)
      .padStart(8, '0')}-0000-0000-0000-000000000000`;
  return Array.from({ length: count }, (_, i) => ({
    low: bound(i),
    high: i === count - 1 ? null : bound(i + 1),
  }));
}

export async function insertSlices(db: Queryable, jobId: string, count: number): Promise<void> {
  const ranges = sliceRanges(count);
  await db.query(
    `INSERT INTO directory_bulk_job_slices (job_id, slice, low, high)
     SELECT $1, n - 1, low, high FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS r(low, high, n)`,
    [jobId, ranges.map((r) => r.low), ranges.map((r) => r.high)],
  );
}

export async function unfinishedSlices(db: Queryable, jobId: string): Promise<number[]> {
  const { rows } = await db.query<{ slice: number }>(
    'SELECT slice FROM directory_bulk_job_slices WHERE job_id = $1 AND NOT done ORDER BY slice',
    [jobId],
  );
  return rows.map((row) => row.slice);
}

export async function lockSlice(db: Queryable, jobId: string, slice: number): Promise<JobSlice | null> {
  const { rows } = await db.query<JobSlice>(
    'SELECT slice, low, high, checkpoint, done FROM directory_bulk_job_slices WHERE job_id = $1 AND slice = $2 FOR UPDATE',
    [jobId, slice],
  );
  return rows[0] ?? null;
}

/**
 * Claims one unfinished slice of the job for the caller's transaction: the first whose row no other
 * transaction holds (`FOR UPDATE SKIP LOCKED`). A slice is worked by one batch transaction at a time, in
 * whichever process; the others take another slice instead of waiting for it. The lock ends with the
 * transaction (a crashed worker's connection too), so a slice is never left claimed.
 */
export async function claimSlice(db: Queryable, jobId: string): Promise<JobSlice | null> {
  const { rows } = await db.query<JobSlice>(
    `SELECT slice, low, high, checkpoint, done FROM directory_bulk_job_slices
      WHERE job_id = $1 AND NOT done ORDER BY slice LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [jobId],
  );
  return rows[0] ?? null;
}

/**
 * Running jobs another worker may join: their fan-out has begun (a slice has progress), or they are older
 * than `startedBeforeMs` ago (the process that took the request would have begun by then, or is gone).
 */
export async function joinableJobIds(db: Queryable, startedBeforeMs: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT j.id FROM directory_bulk_jobs j
      WHERE j.status = 'RUNNING'
        AND (j.created_at < now() - make_interval(secs => $1::double precision / 1000)
             OR EXISTS (SELECT 1 FROM directory_bulk_job_slices s
                         WHERE s.job_id = j.id AND (s.done OR s.checkpoint IS NOT NULL)))
      ORDER BY j.created_at`,
    [startedBeforeMs],
  );
  return rows.map((row) => row.id);
}

export async function runningJobIds(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM directory_bulk_jobs WHERE status = 'RUNNING' ORDER BY created_at",
  );
  return rows.map((row) => row.id);
}

export async function insertJob(db: Queryable, job: BulkJob): Promise<void> {
  await db.query(
    `INSERT INTO directory_bulk_jobs (id, status, cutoff, providers, reason, total, actor, correlation_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      job.id,
      job.status,
      job.cutoff,
      job.providers,
      job.reason,
      job.total,
      job.actor,
      job.correlationId,
      job.createdAt,
    ],
  );
}

/** The users a bulk expiry targets, as SQL over the read model (the decider has the last word per user). */
export const TARGET_SQL = `provider_type = ANY($1::text[]) AND created_at < $2::timestamptz
  AND status IN ('ACTIVE', 'RECOVERY', 'LOCKED_OUT', 'SUSPENDED')
  AND (password_changed_at IS NULL OR password_changed_at < $2::timestamptz)`;

export async function countTargets(
  db: Queryable,
  providers: readonly string[],
  cutoff: string,
): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${USERS_VIEW} WHERE ${TARGET_SQL}`,
    [providers, cutoff],
  );
  return Number(rows[0].n);
}

export function presentJob(job: BulkJob, baseUrl: string) {
  return {
    id: job.id,
    type: 'PASSWORD_MASS_EXPIRY',
    status: job.status,
    total: job.total,
    done: job.expired + job.skipped,
    expired: job.expired,
    skipped: job.skipped,
    cutoff: job.cutoff,
    providers: job.providers,
    reason: job.reason,
    created: job.createdAt,
    completed: job.completedAt,
    _links: { self: { href: `${baseUrl}/api/v1/jobs/${job.id}` } },
  };
}

/** The ids of the latest jobs, newest first. */
export async function latestJobIds(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM directory_bulk_jobs ORDER BY created_at DESC, id LIMIT $1',
    [limit],
  );
  return rows.map((row) => row.id);
}
