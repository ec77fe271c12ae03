import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

// biome-ignore lint/suspicious/noExplicitAny: specs read arbitrary JSON
type Json = Record<string, any>;

/**
 * `POST /api/v1/users/me/credentials/change_password` in the all-in-one app: the `sid` cookie names the
 * user, directory proves the old password and applies the policy, and the new password works at once.
 */
describe('a signed-in user changing their own password (users/me/credentials/change_password)', () => {
  let lapse: TestApp;
  let n = 0;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: { ...FAST_PASSWORD_HASHING, PASSWORD_POLICY_CACHE_MS: '0' },
    });
  });
  afterAll(() => lapse?.close());

  const PASSWORD = 'Own-Pw-2024!';

  async function signedInUser() {
    const login = `grace.${++n}.${Date.now()}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Grace', lastName: 'Hopper' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    // Identity learns of the new user from directory's events: sign in once it has.
    const session = await eventually(
      () =>
        fetch(`${lapse.url}/api/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ username: login, password: PASSWORD }),
        }),
      (response) => response.status === 200,
    );
    expect(session.status).toBe(200);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^sid=/);
    return { login, cookie, id: created.body.id as string };
  }

  const change = async (cookie: string | null, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${lapse.url}/api/v1/users/me/credentials/change_password`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const passwords = (oldPassword: string, newPassword: string) => ({
    oldPassword: { value: oldPassword },
    newPassword: { value: newPassword },
  });
  const signIn = (username: string, password: string) =>
    lapse.request('POST', '/api/v1/authn', { username, password });

  it('changes the password: the new one signs in at once, the old one no more, and the session stays', async () => {
    const { login, cookie } = await signedInUser();
    const answer = await change(cookie, passwords(PASSWORD, 'Changed-Pw-2025!'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ password: {}, provider: { type: 'OKTA', name: 'OKTA' } });
    expect((await signIn(login, 'Changed-Pw-2025!')).body.status).toBe('SUCCESS');
    expect((await signIn(login, PASSWORD)).status).toBe(401);
    const me = await fetch(`${lapse.url}/api/v1/sessions/me`, {
      headers: { cookie, accept: 'application/json' },
    });
    expect(me.status).toBe(200);
  });

  it('ends the user’s other sessions, and only those, with revokeSessions: true', async () => {
    const { login, cookie } = await signedInUser();
    const other = await fetch(`${lapse.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: login, password: PASSWORD }),
    });
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0];
    const answer = await change(cookie, { ...passwords(PASSWORD, 'Changed-Pw-2025!'), revokeSessions: true });
    expect(answer.status).toBe(200);
    const meWith = (sid: string) =>
      fetch(`${lapse.url}/api/v1/sessions/me`, { headers: { cookie: sid, accept: 'application/json' } });
    expect((await meWith(cookie)).status).toBe(200);
    expect((await meWith(otherCookie)).status).toBe(404);
  });

  it('refuses a wrong old password and a password the policy or history refuses with 403 E0000014 and causes', async () => {
    const { login, cookie } = await signedInUser();
    const wrongOld = await change(cookie, passwords('Not-My-Pw-2024!', 'Changed-Pw-2025!'));
    expect(wrongOld.status).toBe(403);
    expect(wrongOld.body).toMatchObject({
      errorCode: 'E0000014',
      errorSummary: 'Update of credentials failed',
      errorCauses: [{ errorSummary: 'Old Password is not correct' }],
    });
    const weak = await change(cookie, passwords(PASSWORD, 'short'));
    expect(weak.status).toBe(403);
    expect(weak.body.errorCode).toBe('E0000014');
    expect(weak.body.errorCauses[0].errorSummary).toContain('Password requirements were not met');
    const same = await change(cookie, passwords(PASSWORD, PASSWORD));
    expect(same.status).toBe(403);
    expect(same.body.errorCauses[0].errorSummary).toContain('cannot be any of your last 4 passwords');
    expect((await signIn(login, PASSWORD)).body.status).toBe('SUCCESS');
  });

  it('answers 403 E0000005 without a session cookie, or with one whose session ended, and changes nothing', async () => {
    const { login, cookie } = await signedInUser();
    const none = await change(null, passwords(PASSWORD, 'Changed-Pw-2025!'));
    expect(none.status).toBe(403);
    expect(none.body.errorCode).toBe('E0000005');
    const forged = await change(`sid=${'A'.repeat(43)}`, passwords(PASSWORD, 'Changed-Pw-2025!'));
    expect(forged.status).toBe(403);
    expect(forged.body.errorCode).toBe('E0000005');
    const ended = await fetch(`${lapse.url}/api/v1/sessions/me`, { method: 'DELETE', headers: { cookie } });
    expect(ended.status).toBe(204);
    const afterSignOut = await change(cookie, passwords(PASSWORD, 'Changed-Pw-2025!'));
    expect(afterSignOut.status).toBe(403);
    expect(afterSignOut.body.errorCode).toBe('E0000005');
    expect((await signIn(login, PASSWORD)).body.status).toBe('SUCCESS');
  });

  it('refuses a cross-site request (403 E0000006) and a malformed body (400 E0000001)', async () => {
    const { cookie } = await signedInUser();
    const crossSite = await change(cookie, passwords(PASSWORD, 'Changed-Pw-2025!'), {
      origin: 'https://evil.example.net',
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.errorCode).toBe('E0000006');
    const malformed = await change(cookie, { oldPassword: PASSWORD, newPassword: { value: 'x' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errorCode).toBe('E0000001');
  });
});
