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
    readonly total: number;
    readonly reason: string | null;
    readonly startedAt: string;
  }
>;

export type BulkPasswordExpiryCompleted = DomainEvent<
  'BulkPasswordExpiryCompleted',
  { readonly jobId: string; readonly expired: number; readonly skipped: number; readonly completedAt: string }
>;

export type BulkJobEvent = BulkPasswordExpiryStarted | BulkPasswordExpiryCompleted;
