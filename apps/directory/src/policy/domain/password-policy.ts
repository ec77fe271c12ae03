import { DEFAULT_PASSWORD_POLICY_V1, type PasswordPolicyV1 } from '@lapse/shared/core';

/** The published policy contract is the domain's policy. */
export type PasswordPolicy = PasswordPolicyV1;
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = DEFAULT_PASSWORD_POLICY_V1;

/** A list of common passwords, asked with the lower-cased password (constant time: a Set). */
export interface CommonPasswords {
  has(lowerCasedPassword: string): boolean;
}

/** The ten words checked when no list is given (unit specs); directory gives the real list (`common-passwords.ts`). */
export const DEFAULT_COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  'password',
  'password1',
  'passw0rd',
  '123456',
  '12345678',
  'qwerty',
  'letmein',
  'welcome',
  'iloveyou',
  'admin',
]);

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

/**
 * Okta's requirements message and the specific failures, or an empty list when the password complies.
 * Pure: the edge calls it with the plaintext before hashing; the result never contains the password.
 */
export function complexityViolations(
  password: string,
  policy: PasswordPolicy,
  profile: { readonly login: string; readonly firstName?: string | null; readonly lastName?: string | null },
  common: CommonPasswords = DEFAULT_COMMON_PASSWORDS,
): string[] {
  const c = policy.complexity;
  const failures: string[] = [];
  if (password.length < c.minLength) failures.push(`at least ${c.minLength} characters`);
  if (count(password, /[a-z]/g) < c.minLowerCase) failures.push(`${c.minLowerCase} lowercase letter(s)`);
  if (count(password, /[A-Z]/g) < c.minUpperCase) failures.push(`${c.minUpperCase} uppercase letter(s)`);
  if (count(password, /[0-9]/g) < c.minNumber) failures.push(`${c.minNumber} number(s)`);
  if (count(password, /[^A-Za-z0-9]/g) < c.minSymbol) failures.push(`${c.minSymbol} symbol(s)`);
  const lower = password.toLowerCase();
  if (c.excludeUsername) {
    const username = profile.login.split('@')[0].toLowerCase();
    if (username.length >= 3 && lower.includes(username)) failures.push('no parts of your username');
  }
  for (const attribute of c.excludeAttributes) {
    const value = (profile as Record<string, unknown>)[attribute];
    if (typeof value === 'string' && value.length >= 3 && lower.includes(value.toLowerCase())) {
      failures.push(`does not include your ${attribute}`);
    }
  }
  if (c.dictionary.common.exclude && common.has(lower)) failures.push('not a commonly used password');
  return failures.length === 0
    ? []
    : [`Password requirements were not met. Password requirements: ${failures.join(', ')}.`];
}

export const PASSWORD_REUSED = (historyCount: number) =>
  `Password has been used too recently. Password requirements: Your password cannot be any of your last ${historyCount} passwords.`;
