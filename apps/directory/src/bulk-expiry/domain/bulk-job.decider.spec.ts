import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import type { BulkPasswordExpiryCompleted, BulkPasswordExpiryStarted } from './bulk-job.events';
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
