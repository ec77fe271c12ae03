import { commonPasswords, SortedWords } from './common-passwords';
import { complexityViolations, DEFAULT_PASSWORD_POLICY } from './domain/password-policy';

const policy = {
  ...DEFAULT_PASSWORD_POLICY,
  complexity: { ...DEFAULT_PASSWORD_POLICY.complexity, dictionary: { common: { exclude: true } } },
};
const profile = { login: 'ada@example.com' };

describe('the breached-password list', () => {
  const list = commonPasswords(100_000);

  it('holds at least 100,000 distinct lower-cased passwords, and the ten Lapse always refused', () => {
    expect(list.size).toBeGreaterThanOrEqual(100_000);
    const words = [...list];
    expect(words).toHaveLength(list.size);
    expect(new Set(words).size).toBe(list.size);
    expect(words.every((word) => word === word.toLowerCase())).toBe(true);
    for (const word of ['password', 'letmein', 'welcome', 'iloveyou']) expect(list.has(word)).toBe(true);
    // Every word it holds is found, and its neighbours that it does not hold are not.
    expect(words.every((word) => list.has(word))).toBe(true);
    expect(['dragon', 'dragon1', 'dragon12'].map((word) => list.has(word))).toEqual([true, true, true]);
    expect(['dragon1234567890x', 'dragoN', '', ' password'].map((word) => list.has(word))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('finds words of any script by their UTF-8 bytes', () => {
    const words = new SortedWords([
      'zebra',
      'äpfel',
      'apfel',
      '密码',
      'passwörd',
      'a',
      'zebra',
      '😀x',
      '\uff21b',
    ]);
    expect(words.size).toBe(8);
    // Code point order: U+FF21 before U+1F600, though its UTF-16 unit (0xFF21) is above the emoji's (0xD83D).
    expect([...words]).toEqual(['a', 'apfel', 'passwörd', 'zebra', 'äpfel', '密码', '\uff21b', '😀x']);
    for (const word of words) expect(words.has(word)).toBe(true);
    for (const word of ['', 'b', 'apfe', 'apfell', 'passwörd ', '密', '密码码', 'zzz', '😀', '\uff21'])
      expect(words.has(word)).toBe(false);
    expect(new SortedWords([]).has('a')).toBe(false);
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
