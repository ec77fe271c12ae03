import { assertNever, type CredentialProviderType, type Decider, DomainError } from '@lapse/shared/core';
import type {
  BulkJobEvent,
  BulkPasswordExpiryCompleted,
  BulkPasswordExpiryStarted,
  BulkPasswordExpiryUsersScoped,
} from './bulk-job.events';

/** A job is started once and completed once; anything else is a bug in its caller, refused. */
export class JobNotAllowedInStatusError extends DomainError {
  constructor(detail: string) {
    super('E0000038', "This operation is not allowed in the job's current status.", [detail]);
  }
}

/** Start the job: the single fact that enforces the whole expiry. */
export interface StartBulkPasswordExpiry {
  readonly type: 'StartBulkPasswordExpiry';
  readonly jobId: string;
  readonly cutoff: string;
  readonly providers: readonly CredentialProviderType[];
  /** Only the members of these groups (absent: every user of `providers`). */
  readonly groupIds?: readonly string[];
  /**
   * Only these users (an explicit list, or a filter's snapshot; absent: no such restriction), recorded as
   * chunks of at most `USER_SCOPE_CHUNK_SIZE` ids after the start.
   */
  readonly userIds?: readonly string[];
  /** How many users matched when the job started (the dry run's count). */
  readonly total: number;
  readonly reason: string | null;
  readonly at: string;
}

/** Every slice of the fan-out is done: the totals. */
export interface CompleteBulkPasswordExpiry {
  readonly type: 'CompleteBulkPasswordExpiry';
  readonly expired: number;
  readonly skipped: number;
  readonly at: string;
}

export type BulkJobCommand = StartBulkPasswordExpiry | CompleteBulkPasswordExpiry;

export type BulkJobState =
  | { readonly status: 'NONE' }
  | { readonly status: 'RUNNING'; readonly jobId: string; readonly cutoff: string }
  | {
      readonly status: 'COMPLETED';
      readonly jobId: string;
      readonly expired: number;
      readonly skipped: number;
    };

/**
 * Ids per `BulkPasswordExpiryUsersScoped` event: 5,000 uuids are about 200 KB of JSON, well under Kafka's
 * default 1 MB message limit, and 100,000 users are 20 events.
 */
export const USER_SCOPE_CHUNK_SIZE = 5000;

function userScopeChunks(jobId: string, userIds: readonly string[]): BulkPasswordExpiryUsersScoped[] {
  const chunks = Math.ceil(userIds.length / USER_SCOPE_CHUNK_SIZE);
  return Array.from({ length: chunks }, (_, index) => ({
    type: 'BulkPasswordExpiryUsersScoped',
    schemaVersion: 1,
    data: {
      jobId,
      chunk: index + 1,
      chunks,
      userIds: userIds.slice(index * USER_SCOPE_CHUNK_SIZE, (index + 1) * USER_SCOPE_CHUNK_SIZE),
    },
  }));
}

function decide(command: BulkJobCommand, state: BulkJobState): BulkJobEvent[] {
  switch (command.type) {
    case 'StartBulkPasswordExpiry': {
      if (state.status !== 'NONE') throw new JobNotAllowedInStatusError('The job has already started.');
      const started: BulkPasswordExpiryStarted = {
        type: 'BulkPasswordExpiryStarted',
        schemaVersion: 1,
        data: {
          jobId: command.jobId,
          cutoff: command.cutoff,
          providers: command.providers,
          ...(command.groupIds ? { groupIds: command.groupIds } : {}),
          ...(command.userIds ? { scopedUsers: command.userIds.length } : {}),
          total: command.total,
          reason: command.reason,
          startedAt: command.at,
        },
      };
      return command.userIds ? [started, ...userScopeChunks(command.jobId, command.userIds)] : [started];
    }
    case 'CompleteBulkPasswordExpiry': {
      if (state.status !== 'RUNNING') throw new JobNotAllowedInStatusError('The job is not running.');
      const completed: BulkPasswordExpiryCompleted = {
        type: 'BulkPasswordExpiryCompleted',
        schemaVersion: 1,
        data: {
          jobId: state.jobId,
          expired: command.expired,
          skipped: command.skipped,
          completedAt: command.at,
        },
      };
      return [completed];
    }
    default:
      return assertNever(command, 'bulk job command');
  }
}

function evolve(state: BulkJobState, event: BulkJobEvent): BulkJobState {
  switch (event.type) {
    case 'BulkPasswordExpiryStarted':
      return { status: 'RUNNING', jobId: event.data.jobId, cutoff: event.data.cutoff };
    case 'BulkPasswordExpiryCompleted':
      return {
        status: 'COMPLETED',
        jobId: event.data.jobId,
        expired: event.data.expired,
        skipped: event.data.skipped,
      };
    default:
      return state;
  }
}

/**
 * The `bulk-job-<id>` stream: started once (the enforcing fact, followed by its user set's chunks when it
 * has one), completed once with its totals. The
 * per-user expiries are the user streams' own events (the user decider's `expireInBulk`).
 */
export const bulkJobDecider: Decider<BulkJobCommand, BulkJobEvent, BulkJobState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};

export const bulkJobStreamId = (jobId: string) => `bulk-job-${jobId}`;
