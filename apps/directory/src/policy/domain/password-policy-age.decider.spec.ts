import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { type PasswordPolicyAgeChanged, passwordPolicyAgeDecider } from './password-policy-age.decider';

const spec = DeciderSpecification.for(passwordPolicyAgeDecider);
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const changed = (maxAgeDays: number, expireWarnDays: number, updatedAt = T0): PasswordPolicyAgeChanged => ({
  type: 'PasswordPolicyAgeChanged',
  schemaVersion: 1,
  data: { maxAgeDays, expireWarnDays, updatedAt },
});

describe("the password policy's age settings as facts", () => {
  it('records the first change', () => {
    spec
      .given([])
      .when({ type: 'RecordPolicyAge', maxAgeDays: 90, expireWarnDays: 7, at: T0 })
      .then([changed(90, 7)]);
  });

  it('records a change of either setting', () => {
    spec
      .given([changed(90, 7)])
      .when({ type: 'RecordPolicyAge', maxAgeDays: 90, expireWarnDays: 10, at: T1 })
      .then([changed(90, 10, T1)]);
  });

  it('records nothing when the age settings stay as they were (another part of the policy changed)', () => {
    spec
      .given([changed(90, 7)])
      .when({ type: 'RecordPolicyAge', maxAgeDays: 90, expireWarnDays: 7, at: T1 })
      .thenNothingHappened();
  });
});
