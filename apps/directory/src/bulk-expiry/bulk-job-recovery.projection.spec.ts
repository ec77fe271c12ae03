import type { ExistingUser, UserState } from '../user/domain/user.state';
import { recoveredFromJob } from './bulk-job-recovery.projection';

const password = (changedAt: string) => ({ hash: 'h', changedAt }) as unknown as ExistingUser['password'];
const bulkExpired = {
  status: 'PASSWORD_EXPIRED',
  password: password('2025-01-01T00:00:00.000Z'),
  expiry: {
    cause: 'BULK',
    jobId: 'job-1',
    reason: null,
    expiredAt: '2026-01-01T00:00:00.000Z',
    temporary: null,
  },
} as unknown as UserState;

describe('which job a user recovers from', () => {
  it('is the bulk expiry the user was under, once they have a new password and no expiry', () => {
    const after = {
      status: 'ACTIVE',
      password: password('2026-02-01T00:00:00.000Z'),
    } as unknown as UserState;
    expect(recoveredFromJob(bulkExpired, after)).toBe('job-1');
  });

  it('is none when an administrator gives a temporary password (an expiry stays in force)', () => {
    const after = {
      ...bulkExpired,
      password: password('2026-02-01T00:00:00.000Z'),
      expiry: { cause: 'ADMIN_TEMP_PASSWORD', jobId: null, reason: null, expiredAt: 'x', temporary: {} },
    } as unknown as UserState;
    expect(recoveredFromJob(bulkExpired, after)).toBeNull();
  });

  it('is none when the status changes without a new password (deactivated)', () => {
    const after = {
      status: 'DEPROVISIONED',
      password: password('2025-01-01T00:00:00.000Z'),
    } as unknown as UserState;
    expect(recoveredFromJob(bulkExpired, after)).toBeNull();
  });

  it('is none for a user expired by an administrator, not by a job', () => {
    const before = {
      ...bulkExpired,
      expiry: { cause: 'ADMIN', jobId: null, reason: null, expiredAt: 'x', temporary: null },
    } as unknown as UserState;
    const after = {
      status: 'ACTIVE',
      password: password('2026-02-01T00:00:00.000Z'),
    } as unknown as UserState;
    expect(recoveredFromJob(before, after)).toBeNull();
  });
});
