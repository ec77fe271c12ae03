import { DEFAULT_PASSWORD_POLICY } from '../sign-in/domain/password-policy';
import { changePasswordPage, explainCauses, policyRules, signInPage } from './sign-in.pages';

describe('the sign-in pages', () => {
  it("explain each rule a refused password breaks, from directory's causes", () => {
    const problems = explainCauses([
      'Password requirements were not met. Password requirements: at least 12 characters, 1 uppercase letter(s), 1 number(s), no parts of your username.',
    ]);
    expect(problems).toEqual([
      { message: 'The new password is too short: use at least 12 characters.', field: 'newPassword' },
      { message: 'The new password needs at least 1 uppercase letter(s).', field: 'newPassword' },
      { message: 'The new password needs at least 1 number(s).', field: 'newPassword' },
      { message: 'The new password must not contain your username.', field: 'newPassword' },
    ]);
  });

  it('tie a wrong current password and a reused one to their fields', () => {
    expect(explainCauses(['Old Password is not correct'])).toEqual([
      { message: 'The current password is not correct.', field: 'oldPassword' },
    ]);
    expect(
      explainCauses([
        'Password has been used too recently. Password requirements: Your password cannot be any of your last 4 passwords.',
      ])[0].field,
    ).toBe('newPassword');
  });

  it("list the policy's rules as a person reads them", () => {
    const rules = policyRules({
      ...DEFAULT_PASSWORD_POLICY,
      complexity: {
        ...DEFAULT_PASSWORD_POLICY.complexity,
        minSymbol: 1,
        dictionary: { common: { exclude: true } },
      },
    });
    expect(rules).toEqual([
      'At least 8 characters',
      'At least 1 lowercase letter(s)',
      'At least 1 uppercase letter(s)',
      'At least 1 number(s)',
      'At least 1 symbol(s)',
      'No part of your username',
      'Not a commonly used password',
      'Not one of your last 4 passwords',
    ]);
  });

  it('escape what came from the request, and link each error to its field', () => {
    const page = signInPage({
      nonce: 'n',
      formToken: 't',
      fromURI: '"><script>x</script>',
      username: '<b>ada</b>',
      problems: [{ message: 'Enter your password.', field: 'password' }],
    }).value;
    expect(page).not.toContain('<script>x');
    expect(page).toContain('value="&lt;b&gt;ada&lt;/b&gt;"');
    expect(page).toContain('aria-describedby="password-error"');
    expect(page).toContain('<a href="#password">Enter your password.</a>');
    expect(page).toContain('id="error-summary"');
  });

  it('describe the new password by the rules and by its error together', () => {
    const page = changePasswordPage({
      nonce: 'n',
      formToken: 't',
      fromURI: null,
      reason: 'EXPIRED',
      action: '/signin/password',
      login: 'ada@example.com',
      rules: ['At least 8 characters'],
      problems: [{ message: 'Too short.', field: 'newPassword' }],
    }).value;
    expect(page).toContain('aria-describedby="newPassword-error rules"');
    expect(page.match(/aria-describedby=/g)?.length).toBe(1);
  });
});
