import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';

/** "dragon123" is the 12,775th most common breached password of the shipped list (policy/common-passwords.ts). */
const BREACHED = 'Dragon123';
const COMMON_CAUSE = 'not a commonly used password';

/**
 * `dictionary.common.exclude` against the real breached-password list in the all-in-one app: creating a
 * user with a breached password is refused (E0000001), so is a reset through a recovery link (Okta's
 * E0000080 with its cause), whatever the case; the same password is fine while the policy does not ask.
 */
describe('breached passwords (all-in-one)', () => {
  let lapse: TestApp;
  let n = 0;

  beforeAll(async () => {
    lapse = await startTestApp({ env: { ...FAST_PASSWORD_HASHING, PASSWORD_POLICY_CACHE_MS: '0' } });
  });
  afterAll(() => lapse?.close());

  const create = (password: string) => {
    const login = `breached.${++n}.${Date.now()}@example.com`;
    return lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Bea', lastName: 'Breach' },
      credentials: { password: { value: password } },
    });
  };
  const exclude = (on: boolean) =>
    lapse.admin('PUT', '/api/v1/policies/password', {
      complexity: { dictionary: { common: { exclude: on } } },
    });

  it('refuses a breached password at creation and at a reset, in any case, while the policy excludes them', async () => {
    expect((await exclude(false)).status).toBe(200);
    expect((await create(BREACHED)).status).toBe(200);

    expect((await exclude(true)).status).toBe(200);
    const refused = await create(BREACHED.toUpperCase().replace('DRAGON', 'dRaGoN'));
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('E0000001');
    expect(JSON.stringify(refused.body.errorCauses)).toContain(COMMON_CAUSE);

    const user = await create('Original-Pw-123');
    expect(user.status).toBe(200);
    const reset = await lapse.admin(
      'POST',
      `/api/v1/users/${user.body.id}/lifecycle/reset_password?sendEmail=false`,
    );
    expect(reset.status).toBe(200);
    const url = reset.body.resetPasswordUrl as string;
    const recovery = await lapse.request('POST', '/api/v1/authn/recovery/token', {
      recoveryToken: url.slice(url.lastIndexOf('/') + 1),
    });
    expect(recovery.status).toBe(200);
    const answer = await lapse.request('POST', '/api/v1/authn/credentials/reset_password', {
      stateToken: recovery.body.stateToken,
      newPassword: BREACHED,
    });
    expect(answer.status).toBe(403);
    expect(answer.body.errorCode).toBe('E0000080');
    expect(JSON.stringify(answer.body.errorCauses)).toContain(COMMON_CAUSE);
    expect(JSON.stringify(answer.body)).not.toContain(BREACHED);
  });
});
