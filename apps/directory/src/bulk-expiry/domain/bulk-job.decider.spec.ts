import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import type { BulkJobEvent, BulkPasswordExpiryCompleted, BulkPasswordExpiryStarted } from './bulk-job.events';
import { bulkJobDecider, JobNotAllowedInStatusError, type StartBulkPasswordExpiry } from './bulk-job.decider';

const jobId = '0b5e2a2e-7f0c-4c39-9d39-3f3f0b8a1c11';
const cutoff = '2026-12-01T10:00:00.000Z';
const completedAt = '2026-12-01T10:05:00.000Z';

const start: StartBulkPasswordExpiry = {
  type: 'StartBulkPasswordExpiry',
  jobId,
  cutoff,
  providers: ['OKTA', 'IMPORT'],
  total: 3,
  reason: 'breach',
  at: cutoff,
};
const started: BulkPasswordExpiryStarted = {
  type: 'BulkPasswordExpiryStarted',
  schemaVersion: 1,
  data: { jobId, cutoff, providers: ['OKTA', 'IMPORT'], total: 3, reason: 'breach', startedAt: cutoff },
};
const completed: BulkPasswordExpiryCompleted = {
  type: 'BulkPasswordExpiryCompleted',
  schemaVersion: 1,
  data: { jobId, expired: 2, skipped: 1, completedAt },
};
const complete = { type: 'CompleteBulkPasswordExpiry', expired: 2, skipped: 1, at: completedAt } as const;

const spec = DeciderSpecification.for(bulkJobDecider);

describe('the bulk job decider', () => {
  describe('when no job exists yet', () => {
    it('starts it with the single fact that enforces the expiry', () => {
      spec.given([]).when(start).then([started]);
    });

    it('refuses to complete it', () => {
      spec.given([]).when(complete).thenThrows(JobNotAllowedInStatusError);
    });
  });

  describe('when the job is running', () => {
    it('completes it with the fan-out totals', () => {
      spec.given([started]).when(complete).then([completed]);
    });

    it('refuses to start it again', () => {
      spec.given([started]).when(start).thenThrows(JobNotAllowedInStatusError);
    });
  });

  describe('when the job has completed', () => {
    it('refuses to complete it twice', () => {
      spec.given([started, completed]).when(complete).thenThrows(JobNotAllowedInStatusError);
    });

    it('keeps the totals in its state', () => {
      expect(spec.given([started, completed]).state()).toEqual({
        status: 'COMPLETED',
        jobId,
        expired: 2,
        skipped: 1,
      });
    });
  });
});

describe('a bulk job scoped to a set of users', () => {
  const userIds = Array.from(
    { length: 12_001 },
    (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
  );

  it('records the set after the start in chunks of 5,000 ids, in order', () => {
    const events = bulkJobDecider.decide({ ...start, userIds, total: 12_001 }, bulkJobDecider.initialState());
    expect(events.map((event) => event.type)).toEqual([
      'BulkPasswordExpiryStarted',
      'BulkPasswordExpiryUsersScoped',
      'BulkPasswordExpiryUsersScoped',
      'BulkPasswordExpiryUsersScoped',
    ]);
    expect(events[0].data).toMatchObject({ scopedUsers: 12_001, total: 12_001 });
    const chunks = events
      .slice(1)
      .map((event) => event.data as { chunk: number; chunks: number; userIds: readonly string[] });
    expect(chunks.map(({ chunk, chunks: of, userIds: ids }) => [chunk, of, ids.length])).toEqual([
      [1, 3, 5000],
      [2, 3, 5000],
      [3, 3, 2001],
    ]);
    expect(chunks.flatMap((chunk) => chunk.userIds)).toEqual(userIds);
  });

  it('starts a job whose set is empty with no chunk at all', () => {
    spec
      .given([])
      .when({ ...start, userIds: [], total: 0 })
      .then([{ ...started, data: { ...started.data, scopedUsers: 0, total: 0 } }]);
  });

  it('is running once started, whatever its chunks', () => {
    const [first, ...chunks] = bulkJobDecider.decide({ ...start, userIds }, bulkJobDecider.initialState());
    expect(spec.given([first, ...chunks]).state()).toEqual({ status: 'RUNNING', jobId, cutoff, waves: null });
  });
});

describe('a bulk job staged in waves', () => {
  const userIds = Array.from({ length: 5 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
  const plan = { size: 2, intervalMinutes: 30 };
  const stagedStart: StartBulkPasswordExpiry = { ...start, userIds, waves: plan, total: 5 };
  const stagedStarted: BulkPasswordExpiryStarted = {
    ...started,
    data: { ...started.data, scopedUsers: 5, waves: { ...plan, count: 3 }, total: 5 },
  };
  const waveStarted = (wave: number, ids: string[]): BulkJobEvent[] => [
    {
      type: 'BulkPasswordExpiryWaveStarted',
      schemaVersion: 1,
      data: { jobId, wave, users: ids.length, startedAt: completedAt },
    },
    {
      type: 'BulkPasswordExpiryUsersScoped',
      schemaVersion: 1,
      data: { jobId, chunk: 1, chunks: 1, userIds: ids, wave },
    },
  ];
  const startWave = (wave: number, ids: string[]) =>
    ({ type: 'StartBulkPasswordExpiryWave', wave, userIds: ids, at: completedAt }) as const;
  const cancel = { type: 'CancelBulkPasswordExpiryWaves', at: completedAt } as const;

  it('records the plan and no user at the start: no one is expired before their wave', () => {
    spec.given([]).when(stagedStart).then([stagedStarted]);
  });

  it("records a wave's users when it starts, in order", () => {
    spec
      .given([stagedStarted])
      .when(startWave(1, userIds.slice(0, 2)))
      .then(waveStarted(1, userIds.slice(0, 2)));
  });

  it('refuses a wave out of order', () => {
    spec
      .given([stagedStarted])
      .when(startWave(2, userIds.slice(2, 4)))
      .thenThrows(JobNotAllowedInStatusError);
  });

  it('cancels the waves not started, then starts no more', () => {
    const history = [stagedStarted, ...waveStarted(1, userIds.slice(0, 2))];
    spec
      .given(history)
      .when(cancel)
      .then([
        {
          type: 'BulkPasswordExpiryWavesCancelled',
          schemaVersion: 1,
          data: { jobId, waves: [2, 3], cancelledAt: completedAt },
        },
      ]);
    const cancelled: BulkJobEvent = {
      type: 'BulkPasswordExpiryWavesCancelled',
      schemaVersion: 1,
      data: { jobId, waves: [2, 3], cancelledAt: completedAt },
    };
    spec
      .given([...history, cancelled])
      .when(startWave(2, userIds.slice(2, 4)))
      .thenThrows(JobNotAllowedInStatusError);
    spec
      .given([...history, cancelled])
      .when(cancel)
      .thenThrows(JobNotAllowedInStatusError);
  });

  it('refuses to cancel a job without waves, one whose every wave started, or a completed one', () => {
    spec.given([started]).when(cancel).thenThrows(JobNotAllowedInStatusError);
    spec
      .given([
        stagedStarted,
        ...waveStarted(1, userIds.slice(0, 2)),
        ...waveStarted(2, userIds.slice(2, 4)),
        ...waveStarted(3, userIds.slice(4)),
      ])
      .when(cancel)
      .thenThrows(JobNotAllowedInStatusError);
    spec.given([started, completed]).when(cancel).thenThrows(JobNotAllowedInStatusError);
  });
});
