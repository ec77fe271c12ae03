import { complexityViolations, DEFAULT_PASSWORD_POLICY } from './password-policy';

const profile = { login: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper' };

describe('the default password policy', () => {
  it('accepts a password with length, lower, upper and number', () => {
    expect(complexityViolations('Correct7Horse', DEFAULT_PASSWORD_POLICY, profile)).toEqual([]);
  });

  it("refuses a short password with Okta's requirements message", () => {
    const [message] = complexityViolations('Ab1', DEFAULT_PASSWORD_POLICY, profile);
    expect(message).toMatch(/^Password requirements were not met/);
    expect(message).toContain('at least 8 characters');
  });

  it('refuses a password without an uppercase letter or a number', () => {
    const [message] = complexityViolations('lowercaseonly', DEFAULT_PASSWORD_POLICY, profile);
    expect(message).toContain('1 uppercase letter(s)');
    expect(message).toContain('1 number(s)');
  });

  it('refuses a password containing the username', () => {
    expect(complexityViolations('Grace12345', DEFAULT_PASSWORD_POLICY, profile)[0]).toContain(
      'no parts of your username',
    );
  });

  it('never echoes the password in the message', () => {
    expect(complexityViolations('Sh0rt', DEFAULT_PASSWORD_POLICY, profile)[0]).not.toContain('Sh0rt');
  });
});
