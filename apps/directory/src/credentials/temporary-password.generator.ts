import { randomInt } from 'node:crypto';
import { complexityViolations, type PasswordPolicy } from '../policy/domain/password-policy';

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=?@_';
export const TEMPORARY_PASSWORD_MIN_LENGTH = 12;

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)];
}

/**
 * A temporary password from the CSPRNG: at least 12 characters (or the policy's minimum), with every
 * character class the policy asks for, without look-alike characters, and checked against the policy.
 */
export function generateTemporaryPassword(
  policy: PasswordPolicy,
  profile: { readonly login: string; readonly firstName?: string | null; readonly lastName?: string | null },
): string {
  const c = policy.complexity;
  const length = Math.max(TEMPORARY_PASSWORD_MIN_LENGTH, c.minLength);
  for (;;) {
    const chars = [
      ...Array.from({ length: Math.max(1, c.minLowerCase) }, () => pick(LOWER)),
      ...Array.from({ length: Math.max(1, c.minUpperCase) }, () => pick(UPPER)),
      ...Array.from({ length: Math.max(1, c.minNumber) }, () => pick(DIGITS)),
      ...Array.from({ length: c.minSymbol }, () => pick(SYMBOLS)),
    ];
    const all = LOWER + UPPER + DIGITS + (c.minSymbol > 0 ? SYMBOLS : '');
    while (chars.length < length) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    const password = chars.join('');
    if (complexityViolations(password, policy, profile).length === 0) return password;
  }
}
