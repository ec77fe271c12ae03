import {
  DEFAULT_PASSWORD_POLICY_V1 as DEFAULT,
  effectivePasswordPolicy,
  type GroupPasswordPolicyV1,
  type PasswordPolicySetV1,
} from './password-policy.v1';

const strict = (id: string, groupIds: string[], provider: GroupPasswordPolicyV1['provider'] = 'OKTA') => ({
  id,
  name: id,
  groupIds,
  provider,
  settings: { ...DEFAULT, complexity: { ...DEFAULT.complexity, minLength: 16 } },
});

describe("a user's effective password policy", () => {
  const set: PasswordPolicySetV1 = {
    policies: [
      strict('first', ['finance']),
      strict('second', ['finance', 'ops']),
      strict('ad', ['ops'], 'ACTIVE_DIRECTORY'),
    ],
    defaultPolicy: DEFAULT,
  };

  it('is the first policy by priority naming one of their groups', () => {
    expect(effectivePasswordPolicy(set, { groupIds: ['ops', 'finance'], providerType: 'OKTA' }).id).toBe(
      'first',
    );
    expect(effectivePasswordPolicy(set, { groupIds: ['ops'], providerType: 'OKTA' }).id).toBe('second');
  });

  it("needs the policy's provider: OKTA covers imported users, ACTIVE_DIRECTORY only delegated ones", () => {
    expect(effectivePasswordPolicy(set, { groupIds: ['finance'], providerType: 'IMPORT' }).id).toBe('first');
    expect(effectivePasswordPolicy(set, { groupIds: ['ops'], providerType: 'ACTIVE_DIRECTORY' }).id).toBe(
      'ad',
    );
    expect(effectivePasswordPolicy(set, { groupIds: ['finance'], providerType: 'ACTIVE_DIRECTORY' }).id).toBe(
      'default-password-policy',
    );
  });

  it('is the default for a user in none of the groups', () => {
    const effective = effectivePasswordPolicy(set, { groupIds: ['sales'], providerType: 'OKTA' });
    expect(effective).toEqual({ id: 'default-password-policy', settings: DEFAULT });
  });
});
