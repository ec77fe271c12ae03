import { NotFoundError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { groupPasswordPolicyDecider } from './group-password-policy.decider';
import type { GroupPasswordPolicy, GroupPasswordPolicyEvent } from './group-password-policy.events';
import { DEFAULT_PASSWORD_POLICY } from './password-policy';

const spec = DeciderSpecification.for(groupPasswordPolicyDecider);
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const policy: GroupPasswordPolicy = {
  policyId: 'p1',
  name: 'Finance',
  description: null,
  status: 'ACTIVE',
  priority: 1,
  groupIds: ['g1'],
  provider: 'OKTA',
  settings: {
    ...DEFAULT_PASSWORD_POLICY,
    complexity: { ...DEFAULT_PASSWORD_POLICY.complexity, minLength: 16 },
  },
};
const created: GroupPasswordPolicyEvent = {
  type: 'GroupPasswordPolicyCreated',
  schemaVersion: 1,
  data: { ...policy, createdAt: T0, prioritySetAt: T0 },
};

describe('a password policy scoped to groups', () => {
  it('is created with its conditions and settings', () => {
    spec.given([]).when({ type: 'CreateGroupPasswordPolicy', policy, at: T0 }).then([created]);
  });

  it('is replaced whole; a new priority is set at the time of the change', () => {
    const next = { ...policy, status: 'INACTIVE' as const, priority: 2 };
    spec
      .given([created])
      .when({ type: 'ReplaceGroupPasswordPolicy', policy: next, at: T1 })
      .then([
        {
          type: 'GroupPasswordPolicyReplaced',
          schemaVersion: 1,
          data: { ...next, updatedAt: T1, prioritySetAt: T1 },
        },
      ]);
  });

  it('records nothing when a replacement changes nothing', () => {
    spec.given([created]).when({ type: 'ReplaceGroupPasswordPolicy', policy, at: T1 }).thenNothingHappened();
  });

  it('is deleted once; then it is not found', () => {
    const deleted: GroupPasswordPolicyEvent = {
      type: 'GroupPasswordPolicyDeleted',
      schemaVersion: 1,
      data: { policyId: 'p1', name: 'Finance', deletedAt: T1 },
    };
    spec.given([created]).when({ type: 'DeleteGroupPasswordPolicy', at: T1 }).then([deleted]);
    spec
      .given([created, deleted])
      .when({ type: 'DeleteGroupPasswordPolicy', at: T1 })
      .thenThrows(NotFoundError);
    spec
      .given([created, deleted])
      .when({ type: 'ReplaceGroupPasswordPolicy', policy, at: T1 })
      .thenThrows(NotFoundError);
  });
});
