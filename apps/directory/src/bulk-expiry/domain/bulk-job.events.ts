import type { CredentialProviderType, DomainEvent } from '@lapse/shared/core';

/**
 * The `bulk-job-<id>` stream. The first event is the single fact that enforces the whole expiry (every
 * user of `providers` whose password was last set before `cutoff` is expired); the per-user events follow.
 */
export type BulkPasswordExpiryStarted = DomainEvent<
  'BulkPasswordExpiryStarted',
  {
    readonly jobId: string;
    readonly cutoff: string;
    readonly providers: readonly CredentialProviderType[];
    /** Scoped to the members of these groups (absent: every user of `providers`). */
    readonly groupIds?: readonly string[];
    /**
     * Scoped to an explicit set of users (`userIds`, or the users a `filter` / `search` matched when the job
     * started): the set follows as `BulkPasswordExpiryUsersScoped` chunks, and the expiry applies only to
     * the users they list (intersected with `providers` and `groupIds`). Absent: no such set.
     */
    readonly scopedUsers?: number;
    /**
     * Staged: the set is expired in `count` waves of `size` users, `intervalMinutes` apart, the first at the
     * start; each wave's users are recorded (`BulkPasswordExpiryUsersScoped` with its `wave`) when it starts,
     * not before. Absent: one go.
     */
    readonly waves?: { readonly size: number; readonly intervalMinutes: number; readonly count: number };
    readonly total: number;
    readonly reason: string | null;
    readonly startedAt: string;
  }
>;

export type BulkPasswordExpiryCompleted = DomainEvent<
  'BulkPasswordExpiryCompleted',
  { readonly jobId: string; readonly expired: number; readonly skipped: number; readonly completedAt: string }
>;

/**
 * One chunk of a job's explicit user set (`scopedUsers` of its start), in the job's stream right after the
 * start: a few thousand ids per event, never one event per user.
 */
export type BulkPasswordExpiryUsersScoped = DomainEvent<
  'BulkPasswordExpiryUsersScoped',
  {
    readonly jobId: string;
    /** 1-based, in order; `chunks` in all. */
    readonly chunk: number;
    readonly chunks: number;
    readonly userIds: readonly string[];
    /** The wave whose users these are (a staged job; absent: the job's whole set). */
    readonly wave?: number;
  }
>;

/** A staged job's wave started: its users' chunks follow in the same append. */
export type BulkPasswordExpiryWaveStarted = DomainEvent<
  'BulkPasswordExpiryWaveStarted',
  { readonly jobId: string; readonly wave: number; readonly users: number; readonly startedAt: string }
>;

/** An administrator cancelled a staged job's waves not yet started; what was expired stays expired. */
export type BulkPasswordExpiryWavesCancelled = DomainEvent<
  'BulkPasswordExpiryWavesCancelled',
  { readonly jobId: string; readonly waves: readonly number[]; readonly cancelledAt: string }
>;

export type BulkJobEvent =
  | BulkPasswordExpiryStarted
  | BulkPasswordExpiryUsersScoped
  | BulkPasswordExpiryWaveStarted
  | BulkPasswordExpiryWavesCancelled
  | BulkPasswordExpiryCompleted;
