import { DEFAULT_PASSWORD_POLICY_V1 } from '@lapse/shared/core';
import { readGroupPolicies } from './password-policy.cache';

describe("reading directory's group password policies", () => {
  it('keeps the policies identity can resolve with, in the order directory gave', () => {
    const strict = {
      ...DEFAULT_PASSWORD_POLICY_V1,
      age: { ...DEFAULT_PASSWORD_POLICY_V1.age, maxAgeDays: 1 },
    };
    expect(
      readGroupPolicies({
        policies: [
          { id: 'b', name: 'B', groupIds: ['g2'], provider: 'OKTA', settings: strict },
          { id: 'a', name: 'A', groupIds: ['g1', 7], provider: 'ACTIVE_DIRECTORY', settings: {} },
        ],
        defaultPolicy: DEFAULT_PASSWORD_POLICY_V1,
      }),
    ).toEqual([
      { id: 'b', name: 'B', groupIds: ['g2'], provider: 'OKTA', settings: strict },
      {
        id: 'a',
        name: 'A',
        groupIds: ['g1'],
        provider: 'ACTIVE_DIRECTORY',
        settings: DEFAULT_PASSWORD_POLICY_V1,
      },
    ]);
  });

  it('leaves out a policy it cannot match, and reads none from an answer without policies', () => {
    expect(
      readGroupPolicies({
        policies: [
          null,
          { id: 'x', groupIds: ['g'], provider: 'LDAP' },
          { groupIds: ['g'], provider: 'OKTA' },
        ],
      }),
    ).toEqual([]);
    expect(readGroupPolicies(null)).toEqual([]);
    expect(readGroupPolicies({})).toEqual([]);
  });
});
