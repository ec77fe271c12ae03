import { commonPasswords } from './common-passwords';
import { complexityViolations, DEFAULT_PASSWORD_POLICY } from './domain/password-policy';

const policy = {
  ...DEFAULT_PASSWORD_POLICY,
  complexity: { ...DEFAULT_PASSWORD_POLICY.complexity, dictionary: { common: { exclude: true } } },
};
const profile = { login: 'ada@example.com' };

describe('the breached-password list', () => {
  const list = commonPasswords(100_000);

  it('holds at least 100,000 distinct lower-cased passwords, and the ten Lapse always refused', () => {
    expect((list as ReadonlySet<string>).size).toBeGreaterThanOrEqual(100_000);
    expect([...(list as ReadonlySet<string>)].every((word) => word === word.toLowerCase())).toBe(true);
    for (const word of ['password', 'letmein', 'welcome', 'iloveyou']) expect(list.has(word)).toBe(true);
  });

  it('refuses a breached password in any case, beyond the 10,000 most common, when the policy asks', () => {
    // "dragon123" is the 12,775th entry of the source list: a top-10,000 list would let it through.
    for (const password of ['Dragon123', 'DRAGON123', 'Sunshine1'])
      expect(complexityViolations(password, policy, profile, list)).toEqual([
        expect.stringContaining('not a commonly used password'),
      ]);
    expect(complexityViolations('Dragon123', DEFAULT_PASSWORD_POLICY, profile, list)).toEqual([]);
  });

  it('lets an uncommon password through', () => {
    expect(complexityViolations('Vq7-mauve-Quokka-19', policy, profile, list)).toEqual([]);
  });

  it('is built once per size', () => {
    expect(commonPasswords(100_000)).toBe(list);
  });
});
