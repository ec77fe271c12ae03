import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

/** Identity inside the real all-in-one app, fed by the real directory over the embedded transport. */
describe('identity in the all-in-one app', () => {
  let lapse: TestApp;
  beforeAll(async () => {
    lapse = await startTestApp({ env: { PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_ITERATIONS: '1' } });
  }, 60_000);
  afterAll(() => lapse?.close());

  const call = (method: string, path: string, body?: unknown, admin = false) =>
    admin ? lapse.admin(method, path, body) : lapse.request(method, path, body);

  it('signs a user in, refuses the old password once an admin expires it, and lets the user change it', async () => {
    const login = `e2e-${Date.now()}@example.com`;
    const created = await call(
      'POST',
      '/api/v1/users?activate=true',
      {
        profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace' },
        credentials: { password: { value: 'Correct-Horse-7' } },
      },
      true,
    );
    expect(created.status).toBe(200);
    const userId = created.body.id as string;

    const signedIn = await eventually(
      () => call('POST', '/api/v1/authn', { username: login, password: 'Correct-Horse-7' }),
      (answer) => answer.body.status === 'SUCCESS',
    );
    expect(signedIn.body.status).toBe('SUCCESS');
    expect(
      (await call('POST', '/api/v1/sessions', { sessionToken: signedIn.body.sessionToken })).status,
    ).toBe(200);

    expect(
      (await call('POST', `/api/v1/users/${userId}/lifecycle/expire_password`, undefined, true)).status,
    ).toBe(200);
    const refused = await eventually(
      () => call('POST', '/api/v1/sessions', { username: login, password: 'Correct-Horse-7' }),
      (answer) => answer.status === 401,
    );
    expect(refused.body.errorCode).toBe('E0000064');

    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await call('POST', '/api/v1/authn', { username: login, password: 'Correct-Horse-7' });
    expect(expired.body.status).toBe('PASSWORD_EXPIRED');
    const changed = await call('POST', '/api/v1/authn/credentials/change_password', {
      stateToken: expired.body.stateToken,
      oldPassword: 'Correct-Horse-7',
      newPassword: 'Brand-New-Pass-9',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('SUCCESS');
    const session = await call('POST', '/api/v1/sessions', { sessionToken: changed.body.sessionToken });
    expect(session.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(
      (await call('POST', '/api/v1/sessions', { username: login, password: 'Brand-New-Pass-9' })).status,
    ).toBe(200);

    // The admin token is directory's: identity introspects it there.
    expect((await call('DELETE', `/api/v1/users/${userId}/sessions`)).status).toBe(401);
    expect((await call('DELETE', `/api/v1/users/${userId}/sessions`, undefined, true)).status).toBe(204);
    expect((await call('GET', `/api/v1/sessions/${session.body.id}`)).status).toBe(404);
  }, 30_000);
});
