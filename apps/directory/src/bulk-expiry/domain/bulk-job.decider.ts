import { assertNever, type CredentialProviderType, type Decider, DomainError } from '@lapse/shared/core';
import type {
  BulkJobEvent,
  BulkPasswordExpiryCompleted,
  BulkPasswordExpiryStarted,
  BulkPasswordExpiryUsersScoped,
  BulkPasswordExpiryWaveStarted,
  BulkPasswordExpiryWavesCancelled,
} from './bulk-job.events';

/** A job is started once and completed once; anything else is refused (the caller's bug, or a late cancel). */
export class JobNotAllowedInStatusError extends DomainError {
  constructor(detail: string) {
    super('E0000038', "This operation is not allowed in the job's current status.", [detail]);
  }
}

/** A staged job's waves: `size` users each, `intervalMinutes` apart. */
export interface WavePlan {
  readonly size: number;
  readonly intervalMinutes: number;
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
   * chunks of at most `USER_SCOPE_CHUNK_SIZE` ids after the start, or wave by wave when `waves` is given.
   */
  readonly userIds?: readonly string[];
  /** Staged in waves of `userIds` (required with it): none of them is recorded until their wave starts. */
  readonly waves?: WavePlan;
  /** How many users matched when the job started (the dry run's count). */
  readonly total: number;
  readonly reason: string | null;
  readonly at: string;
}

/** The next wave of a staged job starts: from now on its users are expired. */
export interface StartBulkPasswordExpiryWave {
  readonly type: 'StartBulkPasswordExpiryWave';
  readonly wave: number;
  readonly userIds: readonly string[];
  readonly at: string;
}

/** Cancel the waves of a staged job that have not started. */
export interface CancelBulkPasswordExpiryWaves {
  readonly type: 'CancelBulkPasswordExpiryWaves';
  readonly at: string;
}

/** Every slice of the fan-out is done: the totals. */
export interface CompleteBulkPasswordExpiry {
  readonly type: 'CompleteBulkPasswordExpiry';
  readonly expired: number;
  readonly skipped: number;
  readonly at: string;
}

export type BulkJobCommand =
  | StartBulkPasswordExpiry
  | StartBulkPasswordExpiryWave
  | CancelBulkPasswordExpiryWaves
  | CompleteBulkPasswordExpiry;

/** A staged job's progress: `count` waves, the first `started` of them started, the rest cancelled or not. */
export interface WavesState {
  readonly count: number;
  readonly started: number;
  readonly cancelled: boolean;
}

export type BulkJobState =
  | { readonly status: 'NONE' }
  | {
      readonly status: 'RUNNING';
      readonly jobId: string;
      readonly cutoff: string;
      readonly waves: WavesState | null;
    }
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

function userScopeChunks(
  jobId: string,
  userIds: readonly string[],
  wave?: number,
): BulkPasswordExpiryUsersScoped[] {
  const chunks = Math.ceil(userIds.length / USER_SCOPE_CHUNK_SIZE);
  return Array.from({ length: chunks }, (_, index) => ({
    type: 'BulkPasswordExpiryUsersScoped',
    schemaVersion: 1,
    data: {
      jobId,
      chunk: index + 1,
      chunks,
      userIds: userIds.slice(index * USER_SCOPE_CHUNK_SIZE, (index + 1) * USER_SCOPE_CHUNK_SIZE),
      ...(wave !== undefined ? { wave } : {}),
    },
  }));
}

/** How many waves of `size` a set of `users` makes (at least one, even for an empty set). */
export const waveCount = (users: number, size: number) => Math.max(1, Math.ceil(users / size));

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
          ...(command.waves
            ? {
                waves: {
                  ...command.waves,
                  count: waveCount(command.userIds?.length ?? 0, command.waves.size),
                },
              }
            : {}),
          total: command.total,
          reason: command.reason,
          startedAt: command.at,
        },
      };
      if (!command.userIds || command.waves) return [started];
      return [started, ...userScopeChunks(command.jobId, command.userIds)];
    }
    case 'StartBulkPasswordExpiryWave': {
      if (state.status !== 'RUNNING' || !state.waves)
        throw new JobNotAllowedInStatusError('The job is not running in waves.');
      if (state.waves.cancelled) throw new JobNotAllowedInStatusError('The remaining waves were cancelled.');
      if (command.wave !== state.waves.started + 1 || command.wave > state.waves.count)
        throw new JobNotAllowedInStatusError(`Wave ${command.wave} is not the next wave.`);
      const started: BulkPasswordExpiryWaveStarted = {
        type: 'BulkPasswordExpiryWaveStarted',
        schemaVersion: 1,
        data: {
          jobId: state.jobId,
          wave: command.wave,
          users: command.userIds.length,
          startedAt: command.at,
        },
      };
      return [started, ...userScopeChunks(state.jobId, command.userIds, command.wave)];
    }
    case 'CancelBulkPasswordExpiryWaves': {
      if (state.status !== 'RUNNING') throw new JobNotAllowedInStatusError('The job has completed.');
      const { waves } = state;
      if (!waves) throw new JobNotAllowedInStatusError('The job has no waves to cancel.');
      if (waves.cancelled) throw new JobNotAllowedInStatusError('The remaining waves were cancelled.');
      if (waves.started >= waves.count)
        throw new JobNotAllowedInStatusError('Every wave of the job has started.');
      const cancelled: BulkPasswordExpiryWavesCancelled = {
        type: 'BulkPasswordExpiryWavesCancelled',
        schemaVersion: 1,
        data: {
          jobId: state.jobId,
          waves: Array.from({ length: waves.count - waves.started }, (_, index) => waves.started + index + 1),
          cancelledAt: command.at,
        },
      };
      return [cancelled];
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
      return {
        status: 'RUNNING',
        jobId: event.data.jobId,
        cutoff: event.data.cutoff,
        waves: event.data.waves ? { count: event.data.waves.count, started: 0, cancelled: false } : null,
      };
    case 'BulkPasswordExpiryWaveStarted':
      return state.status === 'RUNNING' && state.waves
        ? { ...state, waves: { ...state.waves, started: event.data.wave } }
        : state;
    case 'BulkPasswordExpiryWavesCancelled':
      return state.status === 'RUNNING' && state.waves
        ? { ...state, waves: { ...state.waves, cancelled: true } }
        : state;
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
