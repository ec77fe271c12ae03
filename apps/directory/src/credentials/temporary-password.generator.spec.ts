import { complexityViolations, DEFAULT_PASSWORD_POLICY } from '../policy/domain/password-policy';
import { generateTemporaryPassword } from './temporary-password.generator';

const profile = { login: 'alan@example.com', firstName: 'Alan', lastName: 'Turing' };

describe('a generated temporary password', () => {
  it('is at least 12 characters and complies with the policy', () => {
    for (let i = 0; i < 200; i++) {
      const password = generateTemporaryPassword(DEFAULT_PASSWORD_POLICY, profile);
      expect(password.length).toBeGreaterThanOrEqual(12);
      expect(complexityViolations(password, DEFAULT_PASSWORD_POLICY, profile)).toEqual([]);
    }
  });

  it('follows a stricter policy (longer, with symbols)', () => {
    const strict = {
      ...DEFAULT_PASSWORD_POLICY,
      complexity: { ...DEFAULT_PASSWORD_POLICY.complexity, minLength: 20, minSymbol: 2 },
    };
    const password = generateTemporaryPassword(strict, profile);
    expect(password.length).toBe(20);
    expect(complexityViolations(password, strict, profile)).toEqual([]);
  });

  it('is different every time', () => {
    const seen = new Set(
      Array.from({ length: 100 }, () => generateTemporaryPassword(DEFAULT_PASSWORD_POLICY, profile)),
    );
    expect(seen.size).toBe(100);
  });
});
