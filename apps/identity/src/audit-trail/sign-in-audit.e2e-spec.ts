import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

interface LogEvent {
  eventType: string;
  actor: { id: string; type: string; alternateId: string | null };
  target: { id: string; type: string; alternateId: string | null }[];
  outcome: { result: string; reason: string | null };
  client: { ipAddress: string | null };
  debugContext: { debugData: Record<string, unknown> };
}

/**
 * Sign-ins answered by identity reach directory's System Log (`user.session.start`) and the user's
 * `lastLogin`; an admin's clearing of sessions at identity is `user.session.clear` — through identity's own
 * event store and the embedded transport of the real all-in-one app.
 */
describe('sign-ins in the System Log', () => {
  let lapse: TestApp;
  const suffix = Date.now().toString(36);
  const password = 'Correct-Horse-7';

  beforeAll(async () => {
    lapse = await startTestApp({ env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1' } });
  }, 60_000);
  afterAll(() => lapse?.close());

  /** A user identity already knows: its first sign-in (polled until the projection has it) succeeded. */
  async function signedInUser(name: string): Promise<{ id: string; login: string }> {
    const login = `${name}-${suffix}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    const signedIn = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: login, password }),
      (answer) => answer.body.status === 'SUCCESS',
    );
    expect(signedIn.body.status).toBe('SUCCESS');
    return { id: created.body.id, login };
  }

  async function logged(filter: string, count = 1): Promise<LogEvent[]> {
    const query = `/api/v1/logs?filter=${encodeURIComponent(filter)}`;
    const answer = await eventually(
      () => lapse.admin('GET', query),
      (response) => response.status === 200 && response.body.length >= count,
    );
    expect(answer.status).toBe(200);
    return answer.body;
  }

  const starts = (userId: string) => `eventType eq "user.session.start" and target.id eq "${userId}"`;

  it('records a successful sign-in with the client address, and sets lastLogin', async () => {
    const user = await signedInUser('success');
    const [start] = (await logged(`${starts(user.id)} and outcome.result eq "SUCCESS"`)) as LogEvent[];
    expect(start).toMatchObject({
      actor: { id: user.id, type: 'User' },
      target: [{ id: user.id, type: 'User', alternateId: user.login }],
      outcome: { result: 'SUCCESS', reason: null },
      client: { ipAddress: '127.0.0.1' },
      debugContext: { debugData: { via: 'AUTHN' } },
    });
    const read = await eventually(
      () => lapse.admin('GET', `/api/v1/users/${user.id}`),
      (answer) => answer.body.lastLogin !== null,
    );
    expect(Date.parse(read.body.lastLogin)).toBeGreaterThan(Date.now() - 60_000);
    const listed = await lapse.admin('GET', `/api/v1/users?q=${encodeURIComponent(user.login)}`);
    expect(listed.body[0].lastLogin).toBe(read.body.lastLogin);
  });

  it('records a wrong password as INVALID_CREDENTIALS, never the password, and ignores X-Forwarded-For', async () => {
    const user = await signedInUser('wrong');
    const answer = await lapse.request(
      'POST',
      '/api/v1/sessions',
      { username: user.login, password: 'Not-The-Password-1' },
      { 'x-forwarded-for': '203.0.113.9' },
    );
    expect(answer.status).toBe(401);
    const [failure] = await logged(`${starts(user.id)} and outcome.result eq "FAILURE"`);
    expect(failure).toMatchObject({
      outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
      client: { ipAddress: '127.0.0.1' },
      debugContext: { debugData: { via: 'SESSION' } },
    });
    const everything = await lapse.admin('GET', '/api/v1/logs?limit=1000');
    expect(JSON.stringify(everything.body)).not.toContain('Not-The-Password-1');
  });

  it('records an unknown username as typed, without inventing a user', async () => {
    const typed = `Nobody-${suffix}@Example.com`;
    const answer = await lapse.request('POST', '/api/v1/authn', { username: typed, password: 'Guess-1234' });
    expect(answer.status).toBe(401);
    const [failure] = await logged(`eventType eq "user.session.start" and target.alternateId eq "${typed}"`);
    expect(failure).toMatchObject({
      target: [{ id: 'unknown', type: 'User', alternateId: typed }],
      outcome: { result: 'FAILURE', reason: 'VERIFICATION_ERROR' },
      client: { ipAddress: '127.0.0.1' },
    });
    expect(JSON.stringify(failure)).not.toContain('Guess-1234');
  });

  it('records a locked-out user as LOCKED_OUT', async () => {
    const user = await signedInUser('locked');
    const locked = await lapse.request('POST', `/internal/v1/users/${user.id}/lifecycle/lock`, undefined, {
      authorization: `Bearer ${lapse.serviceToken}`,
    });
    expect(locked.status).toBe(200);
    const answer = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: user.login, password }),
      (response) => response.body.status === 'LOCKED_OUT',
    );
    expect(answer.body.status).toBe('LOCKED_OUT');
    const [failure] = await logged(`${starts(user.id)} and outcome.reason eq "LOCKED_OUT"`);
    expect(failure.outcome).toEqual({ result: 'FAILURE', reason: 'LOCKED_OUT' });
  });

  it('records an expired password as PASSWORD_EXPIRED, and the expire answer shows lastLogin', async () => {
    const user = await signedInUser('expired');
    const read = await eventually(
      () => lapse.admin('GET', `/api/v1/users/${user.id}`),
      (answer) => answer.body.lastLogin !== null,
    );
    const expired = await lapse.admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`);
    expect(expired.status).toBe(200);
    expect(expired.body.lastLogin).toBe(read.body.lastLogin);
    const answer = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: user.login, password }),
      (response) => response.body.status === 'PASSWORD_EXPIRED',
    );
    expect(answer.body.status).toBe('PASSWORD_EXPIRED');
    const [failure] = await logged(`${starts(user.id)} and outcome.reason eq "PASSWORD_EXPIRED"`);
    expect(failure).toMatchObject({
      outcome: { result: 'FAILURE', reason: 'PASSWORD_EXPIRED' },
      client: { ipAddress: '127.0.0.1' },
    });
  });

  it("records an admin's clearing of a user's sessions as user.session.clear", async () => {
    const user = await signedInUser('cleared');
    const cleared = await lapse.admin('DELETE', `/api/v1/users/${user.id}/sessions`);
    expect(cleared.status).toBe(204);
    const [clear] = await logged(`eventType eq "user.session.clear" and target.id eq "${user.id}"`);
    expect(clear).toMatchObject({
      actor: { type: 'AdminToken' },
      target: [{ id: user.id, type: 'User' }],
      outcome: { result: 'SUCCESS' },
      client: { ipAddress: '127.0.0.1' },
    });
  });
});
