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
