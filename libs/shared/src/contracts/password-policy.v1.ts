/**
 * Okta's `settings.password` as directory serves it (`GET /internal/v1/policies/password`, and the admin
 * policy API): complexity, age and lockout. Identity reads it to gate sign-in and to describe the policy in
 * `PASSWORD_EXPIRED`; directory enforces it on every password change.
 */
export interface PasswordPolicyV1 {
  readonly complexity: {
    readonly minLength: number;
    readonly minLowerCase: number;
    readonly minUpperCase: number;
    readonly minNumber: number;
    readonly minSymbol: number;
    readonly excludeUsername: boolean;
    readonly excludeAttributes: readonly string[];
    readonly dictionary: { readonly common: { readonly exclude: boolean } };
  };
  readonly age: {
    readonly maxAgeDays: number;
    readonly expireWarnDays: number;
    readonly minAgeMinutes: number;
    readonly historyCount: number;
  };
  readonly lockout: {
    readonly maxAttempts: number;
    /** 0 = never unlocks by itself (an admin unlocks). */
    readonly autoUnlockMinutes: number;
    readonly showLockoutFailures: boolean;
  };
}

/** Directory's default policy; identity uses it until it has read directory's once. */
export const DEFAULT_PASSWORD_POLICY_V1: PasswordPolicyV1 = {
  complexity: {
    minLength: 8,
    minLowerCase: 1,
    minUpperCase: 1,
    minNumber: 1,
    minSymbol: 0,
    excludeUsername: true,
    excludeAttributes: [],
    dictionary: { common: { exclude: false } },
  },
  age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: 4 },
  lockout: { maxAttempts: 10, autoUnlockMinutes: 0, showLockoutFailures: false },
};

/** A password policy scoped to groups, as directory serves it to identity (`GET /internal/v1/policies`). */
export interface GroupPasswordPolicyV1 {
  readonly id: string;
  readonly name: string;
  /** Okta's `conditions.people.groups.include`: the policy applies to members of any of these groups. */
  readonly groupIds: readonly string[];
  /** Okta's `conditions.authProvider.provider`: OKTA covers directory-mastered users (OKTA and IMPORT). */
  readonly provider: 'OKTA' | 'ACTIVE_DIRECTORY';
  readonly settings: PasswordPolicyV1;
}

/**
 * Every password policy that can apply: the active group policies first to last by priority, then the
 * default (Okta's `system` policy, lowest priority, every group and provider).
 */
export interface PasswordPolicySetV1 {
  readonly policies: readonly GroupPasswordPolicyV1[];
  readonly defaultPolicy: PasswordPolicyV1;
}

/** The id Okta's API gives the default policy in Lapse. */
export const DEFAULT_PASSWORD_POLICY_ID = 'default-password-policy';

/** Whether a user of this credential provider type meets a policy's `authProvider` condition. */
export function providerMatches(condition: GroupPasswordPolicyV1['provider'], providerType: string): boolean {
  return condition === 'OKTA'
    ? providerType === 'OKTA' || providerType === 'IMPORT'
    : providerType === condition;
}

/**
 * Okta's policy resolution: the first active policy (by priority) whose groups include one of the user's
 * and whose provider condition is the user's provider; else the default. Pure: directory, identity and the
 * notifier call it with what each knows of the user.
 */
export function effectivePasswordPolicy(
  set: PasswordPolicySetV1,
  user: { readonly groupIds: readonly string[]; readonly providerType: string },
): { readonly id: string; readonly settings: PasswordPolicyV1 } {
  const groups = new Set(user.groupIds.map((id) => id.toLowerCase()));
  const match = set.policies.find(
    (policy) =>
      providerMatches(policy.provider, user.providerType) &&
      policy.groupIds.some((id) => groups.has(id.toLowerCase())),
  );
  return match
    ? { id: match.id, settings: match.settings }
    : { id: DEFAULT_PASSWORD_POLICY_ID, settings: set.defaultPolicy };
}
