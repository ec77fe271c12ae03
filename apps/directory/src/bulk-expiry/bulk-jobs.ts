import { type Queryable, ValidationFailedError } from '@lapse/shared';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';
import { USERS_VIEW } from '../user/read-models/directory-users.projection';
import type { JobWave } from './bulk-job-waves';

export { bulkJobStreamId } from './domain/bulk-job.decider';

/**
 * A bulk expiry job and its counts, which add up:
 * - `total`: the users the job targets, counted at the cutoff in the transaction of its enforcing fact
 *   (eligible then: `TARGET_SQL`, the decider's `bulkSkipReason` as SQL). A user already expired at the cutoff
 *   is not a target and is counted nowhere.
 * - `expired`: the targets the fan-out expired.
 * - `skipped`: the targets it did not expire because they changed after the cutoff (a new password, a
 *   temporary one, deactivated, expired another way). `done = expired + skipped` never exceeds `total`, and
 *   equals it once the job is COMPLETED.
 * - `changedSinceCutoff`: the users the job expired who have since set a password of their own (no expiry in
 *   force); the user projection counts them as it happens (`bulkJobRecoveryProjection`).
 */
export interface BulkJob {
  readonly id: string;
  readonly status: 'RUNNING' | 'COMPLETED';
  readonly cutoff: string;
  readonly providers: CredentialProviderType[];
  /** The groups the job is scoped to (their members only); null: every user of its providers. */
  readonly groupIds: string[] | null;
  /**
   * The size of the job's explicit user set (`directory_bulk_job_users`: the `userIds` asked for, or the users
   * `filter` / `search` matched at the cutoff, or both intersected); null: no such set.
   */
  readonly scopedUsers: number | null;
  readonly filter: string | null;
  readonly search: string | null;
  /** Staged in waves (`bulk-job-waves.ts`): the plan; null: in one go. */
  readonly wavePlan: { readonly size: number; readonly intervalMinutes: number } | null;
  /** The users of the waves an administrator cancelled (no longer in `total`). */
  readonly cancelled: number;
  readonly reason: string | null;
  readonly total: number;
  readonly expired: number;
  readonly skipped: number;
  readonly changedSinceCutoff: number;
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
  group_ids: string[] | null;
  scoped_users: number | null;
  filter: string | null;
  search: string | null;
  wave_size: number | null;
  wave_interval_minutes: number | null;
  cancelled: number;
  reason: string | null;
  total: number;
  expired: number;
  skipped: number;
  changed_since_cutoff: number;
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
    groupIds: row.group_ids,
    scopedUsers: row.scoped_users,
    filter: row.filter,
    search: row.search,
    wavePlan:
      row.wave_size === null
        ? null
        : { size: row.wave_size, intervalMinutes: row.wave_interval_minutes as number },
    cancelled: row.cancelled,
    reason: row.reason,
    total: row.total,
    expired: row.expired,
    skipped: row.skipped,
    changedSinceCutoff: row.changed_since_cutoff,
    checkpoint: row.checkpoint,
    actor: row.actor,
    correlationId: row.correlation_id,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/**
 * The job; while it runs, `expired`/`skipped` are the sums of its slices' progress. A slice counts as skipped
 * every user it passed who is not eligible now but changed after the cutoff (`expireBatchFromReadModel`):
 * almost always a target who changed, but a user who was not a target and changed since (e.g. a deactivated
 * user's profile edited) is counted too, so `skipped` is capped at the targets not expired; at completion it
 * is exactly those (the fan-out passed every user).
 */
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
  const expired = Number(progress.rows[0].expired);
  return {
    ...job,
    expired,
    skipped: Math.min(Number(progress.rows[0].skipped), notExpired(job.total, expired)),
  };
}

/** The targets a job has not expired (never negative; see `completedCounts`). */
const notExpired = (total: number, expired: number) => Math.max(total - expired, 0);

/**
 * The counts a job completes with: every target the fan-out did not expire was skipped. `total` is raised to
 * `expired` in the one case the count at the cutoff can miss a target: a user created just before the cutoff
 * whose transaction committed after the count (the fan-out sees and expires them).
 */
export function completedCounts(total: number, expired: number) {
  return { total: Math.max(total, expired), expired, skipped: notExpired(total, expired) };
}

export interface JobSlice {
  readonly slice: number;
  /** The wave whose users the slice expires (a staged job); null: the job's users. */
  readonly wave: number | null;
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

/** Slice numbers of wave `w` start at `w * WAVE_SLICE_OFFSET` (at most 16 slices per wave). */
const WAVE_SLICE_OFFSET = 1000;

export async function insertSlices(
  db: Queryable,
  jobId: string,
  count: number,
  wave: number | null = null,
): Promise<void> {
  const ranges = sliceRanges(count);
  await db.query(
    `INSERT INTO directory_bulk_job_slices (job_id, slice, low, high, wave)
     SELECT $1, $4::int * ${WAVE_SLICE_OFFSET} + n - 1, low, high, $5
       FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS r(low, high, n)`,
    [jobId, ranges.map((r) => r.low), ranges.map((r) => r.high), wave ?? 0, wave],
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
    'SELECT slice, wave, low, high, checkpoint, done FROM directory_bulk_job_slices WHERE job_id = $1 AND slice = $2 FOR UPDATE',
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
    `SELECT slice, wave, low, high, checkpoint, done FROM directory_bulk_job_slices
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

/** A job as its start records it (org-wide when `groupIds` and `scopedUsers` are absent). */
export type NewBulkJob = Omit<
  BulkJob,
  'changedSinceCutoff' | 'groupIds' | 'scopedUsers' | 'filter' | 'search' | 'wavePlan' | 'cancelled'
> &
  Partial<Pick<BulkJob, 'groupIds' | 'scopedUsers' | 'filter' | 'search' | 'wavePlan'>>;

export async function insertJob(db: Queryable, job: NewBulkJob): Promise<void> {
  await db.query(
    `INSERT INTO directory_bulk_jobs (id, status, cutoff, providers, reason, total, actor, correlation_id, created_at,
                                      group_ids, scoped_users, filter, search, wave_size, wave_interval_minutes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
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
      job.groupIds ?? null,
      job.scopedUsers ?? null,
      job.filter ?? null,
      job.search ?? null,
      job.wavePlan?.size ?? null,
      job.wavePlan?.intervalMinutes ?? null,
    ],
  );
}

/**
 * The job's explicit user set, in one statement; with `waveSize`, in that order, the first `waveSize` users
 * in wave 1, the next in wave 2, and so on.
 */
export async function insertJobUsers(
  db: Queryable,
  jobId: string,
  userIds: readonly string[],
  waveSize: number | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO directory_bulk_job_users (job_id, user_id, wave)
     SELECT $1, user_id, CASE WHEN $3::int IS NULL THEN NULL ELSE ((n - 1) / $3::int + 1)::int END
       FROM unnest($2::uuid[]) WITH ORDINALITY AS u(user_id, n)`,
    [jobId, userIds, waveSize],
  );
}

/**
 * The users a bulk expiry targets, as SQL over the read model: the fan-out's eligibility
 * (`expireBatchFromReadModel`, the decider's `bulkSkipReason`), so a user with an expiry already in force (a
 * locked or suspended user who was expired before) is not counted as a target.
 */
export const TARGET_SQL = `provider_type = ANY($1::text[]) AND created_at < $2::timestamptz
  AND status IN ('ACTIVE', 'RECOVERY', 'LOCKED_OUT', 'SUSPENDED')
  AND (status = 'ACTIVE' OR jsonb_typeof(state->'expiry') IS DISTINCT FROM 'object')
  AND (password_changed_at IS NULL OR password_changed_at < $2::timestamptz)
  AND ($3::uuid[] IS NULL OR id IN (SELECT user_id FROM directory_group_members WHERE group_id = ANY($3::uuid[])))
  AND ($4::uuid[] IS NULL OR id = ANY($4::uuid[]))`;

/**
 * The job's targets now; with `groupIds`, only the members of those groups (null: everyone); with `userIds`,
 * only those users (null: everyone).
 */
export async function countTargets(
  db: Queryable,
  providers: readonly string[],
  cutoff: string,
  groupIds: readonly string[] | null = null,
  userIds: readonly string[] | null = null,
): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${USERS_VIEW} WHERE ${TARGET_SQL}`,
    [providers, cutoff, groupIds, userIds],
  );
  return Number(rows[0].n);
}

/**
 * The job's targets now, in id order (a staged job's set); more than `max` is 400 E0000001, nothing started.
 */
export async function targetIds(
  db: Queryable,
  providers: readonly string[],
  cutoff: string,
  groupIds: readonly string[] | null,
  userIds: readonly string[] | null,
  max: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${USERS_VIEW} WHERE ${TARGET_SQL} ORDER BY id LIMIT $5`,
    [providers, cutoff, groupIds, userIds, max + 1],
  );
  if (rows.length > max) {
    throw new ValidationFailedError([
      `waves: a staged bulk expiry expires at most ${max} users; narrow its scope`,
    ]);
  }
  return rows.map((row) => row.id);
}

export function presentJob(job: BulkJob, baseUrl: string, waves: readonly JobWave[] = []) {
  return {
    id: job.id,
    type: 'PASSWORD_MASS_EXPIRY',
    status: job.status,
    total: job.total,
    done: job.expired + job.skipped,
    expired: job.expired,
    skipped: job.skipped,
    changedSinceCutoff: job.changedSinceCutoff,
    cutoff: job.cutoff,
    providers: job.providers,
    ...(job.groupIds ? { groupIds: job.groupIds } : {}),
    ...(job.scopedUsers !== null ? { scopedUsers: job.scopedUsers } : {}),
    ...(job.filter !== null ? { filter: job.filter } : {}),
    ...(job.search !== null ? { search: job.search } : {}),
    ...(job.wavePlan
      ? {
          wavePlan: job.wavePlan,
          cancelled: job.cancelled,
          waves: waves.map((wave) => ({
            number: wave.wave,
            size: wave.size,
            state: wave.state,
            startsAt: wave.startsAt,
            startedAt: wave.startedAt,
            completedAt: wave.completedAt,
          })),
        }
      : {}),
    reason: job.reason,
    created: job.createdAt,
    completed: job.completedAt,
    _links: { self: { href: `${baseUrl}/api/v1/jobs/${job.id}` } },
  };
}

/** The ids of the latest jobs, newest first. */
export async function latestJobIds(db: Queryable, limit: number): Promise<string[]> {
  return (await jobIdsNewestFirst(db, limit, null)) ?? [];
}

/**
 * A page of job ids, newest first (`created_at`, then id, both descending: the index
 * `directory_bulk_jobs_newest`), after the job `after` (the previous page's last); null when that job does
 * not exist.
 */
export async function jobIdsNewestFirst(
  db: Queryable,
  limit: number,
  after: string | null,
): Promise<string[] | null> {
  if (after === null) {
    const { rows } = await db.query<{ id: string }>(
      'SELECT id FROM directory_bulk_jobs ORDER BY created_at DESC, id DESC LIMIT $1',
      [limit],
    );
    return rows.map((row) => row.id);
  }
  const { rows } = await db.query<{ id: string | null }>(
    `SELECT j.id FROM (SELECT created_at, id FROM directory_bulk_jobs WHERE id = $2) AS cursor
       LEFT JOIN LATERAL (
         SELECT id FROM directory_bulk_jobs
          WHERE (created_at, id) < (cursor.created_at, cursor.id)
          ORDER BY created_at DESC, id DESC LIMIT $1) AS j ON true`,
    [limit, after],
  );
  if (rows.length === 0) return null;
  return rows.flatMap((row) => (row.id === null ? [] : [row.id]));
}
