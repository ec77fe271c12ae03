import { DEFAULT_PASSWORD_POLICY_V1, type PasswordPolicyV1 } from '@lapse/shared/core';

/** Okta's `settings.password` as directory publishes it; identity reads it to gate and to describe. */
export type PasswordPolicy = PasswordPolicyV1;

/** Directory's defaults, used until its policy has been read once. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = DEFAULT_PASSWORD_POLICY_V1;

/** Accepts directory's answer only when every field identity relies on is there, else keeps the fallback. */
export function readPasswordPolicy(
  value: unknown,
  fallback: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): PasswordPolicy {
  const source = (value ?? {}) as { password?: unknown };
  const policy = (source.password ?? value) as Partial<PasswordPolicy> | null;
  if (!policy || typeof policy !== 'object') return fallback;
  const number = (n: unknown, d: number) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : d);
  const c = (policy.complexity ?? {}) as Partial<PasswordPolicy['complexity']>;
  const a = (policy.age ?? {}) as Partial<PasswordPolicy['age']>;
  const l = (policy.lockout ?? {}) as Partial<PasswordPolicy['lockout']>;
  return {
    complexity: {
      minLength: number(c.minLength, fallback.complexity.minLength),
      minLowerCase: number(c.minLowerCase, fallback.complexity.minLowerCase),
      minUpperCase: number(c.minUpperCase, fallback.complexity.minUpperCase),
      minNumber: number(c.minNumber, fallback.complexity.minNumber),
      minSymbol: number(c.minSymbol, fallback.complexity.minSymbol),
      excludeUsername:
        typeof c.excludeUsername === 'boolean' ? c.excludeUsername : fallback.complexity.excludeUsername,
      excludeAttributes: Array.isArray(c.excludeAttributes)
        ? c.excludeAttributes
        : fallback.complexity.excludeAttributes,
      dictionary:
        typeof c.dictionary?.common?.exclude === 'boolean'
          ? { common: { exclude: c.dictionary.common.exclude } }
          : fallback.complexity.dictionary,
    },
    age: {
      maxAgeDays: number(a.maxAgeDays, fallback.age.maxAgeDays),
      expireWarnDays: number(a.expireWarnDays, fallback.age.expireWarnDays),
      minAgeMinutes: number(a.minAgeMinutes, fallback.age.minAgeMinutes),
      historyCount: number(a.historyCount, fallback.age.historyCount),
    },
    lockout: {
      maxAttempts: number(l.maxAttempts, fallback.lockout.maxAttempts),
      autoUnlockMinutes: number(l.autoUnlockMinutes, fallback.lockout.autoUnlockMinutes),
      showLockoutFailures:
        typeof l.showLockoutFailures === 'boolean'
          ? l.showLockoutFailures
          : fallback.lockout.showLockoutFailures,
    },
  };
}
