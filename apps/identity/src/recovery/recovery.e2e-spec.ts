import { systemClock } from '@lapse/shared';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { Pool } from 'pg';

// biome-ignore lint/suspicious/noExplicitAny: specs read arbitrary JSON
type Json = Record<string, any>;

/**
 * Okta's recovery flow for an admin's reset-password link, in the all-in-one app (real directory, real
 * identity, real PostgreSQL): the link's token opens a PASSWORD_RESET transaction, the new password is
 * checked by directory's policy and spends the link, and the user signs in with it.
 */
describe('resetting a password with the reset link (authn recovery)', () => {
  let lapse: TestApp;
  let pool: Pool;
  let n = 0;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1', PASSWORD_POLICY_CACHE_MS: '0' },
    });
    pool = new Pool({ connectionString: lapse.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await lapse?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const call = (method: string, path: string, body?: unknown, admin = false) =>
    admin ? lapse.admin(method, path, body) : lapse.request(method, path, body);
  const post = (path: string, body?: unknown) => call('POST', path, body);

  const OLD_PASSWORD = 'Original-Pw-123';
  const NEW_PASSWORD = 'Recovered-Pw-456';

  async function userInRecovery() {
    const login = `grace.${++n}.${Date.now()}@example.com`;
    const created = await call(
      'POST',
      '/api/v1/users?activate=true',
      {
        profile: { login, email: login, firstName: 'Grace', lastName: 'Hopper' },
        credentials: { password: { value: OLD_PASSWORD } },
      },
      true,
    );
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    return { id, login, token: await resetLink(id) };
  }

  async function resetLink(id: string): Promise<string> {
    const reset = await call(
      'POST',
      `/api/v1/users/${id}/lifecycle/reset_password?sendEmail=false`,
      undefined,
      true,
    );
    expect(reset.status).toBe(200);
    const url = reset.body.resetPasswordUrl as string;
    expect(url.startsWith(`${lapse.url}/reset_password/`)).toBe(true);
    return url.slice(url.lastIndexOf('/') + 1);
  }

  const signIn = (username: string, password: string) => post('/api/v1/authn', { username, password });

  it('answers PASSWORD_RESET with Okta’s shape for a live link', async () => {
    const { id, login, token } = await userInRecovery();
    const answer = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body).toEqual({
      stateToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expiresAt: expect.any(String),
      status: 'PASSWORD_RESET',
      recoveryType: 'PASSWORD',
      _embedded: {
        user: {
          id,
          profile: { login, firstName: 'Grace', lastName: 'Hopper', locale: 'en_US', timeZone: 'UTC' },
        },
        policy: {
          complexity: expect.objectContaining({ minLength: 8, excludeUsername: true }),
          age: { minAgeMinutes: 0, historyCount: 4 },
        },
      },
      _links: {
        next: {
          name: 'resetPassword',
          href: `${lapse.url}/api/v1/authn/credentials/reset_password`,
          hints: { allow: ['POST'] },
        },
        cancel: { href: `${lapse.url}/api/v1/authn/cancel`, hints: { allow: ['POST'] } },
      },
    });
    expect(JSON.stringify(answer.body)).not.toContain(token);
  });

  it('sets the new password, answers SUCCESS with a one-use session token, and the user signs in with it only', async () => {
    const { id, login, token } = await userInRecovery();
    await waitFor('identity to learn the user is in RECOVERY', async () => {
      const { rows } = await pool.query('SELECT status FROM identity_credentials WHERE user_id = $1', [id]);
      return rows[0]?.status === 'RECOVERY';
    });
    expect((await signIn(login, OLD_PASSWORD)).body.errorCode).toBe('E0000004');

    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    const done = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'SUCCESS',
      sessionToken: expect.any(String),
      _embedded: { user: { id } },
    });

    const session = await post('/api/v1/sessions', { sessionToken: done.body.sessionToken });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ userId: id, login, status: 'ACTIVE' });
    expect((await post('/api/v1/sessions', { sessionToken: done.body.sessionToken })).status).toBe(401);

    expect((await call('GET', `/api/v1/users/${id}`, undefined, true)).body.status).toBe('ACTIVE');
    expect((await signIn(login, NEW_PASSWORD)).body.status).toBe('SUCCESS');
    const old = await signIn(login, OLD_PASSWORD);
    expect(old.status).toBe(401);
    expect(old.body.errorCode).toBe('E0000004');
  });

  it('refuses the link a second time, and the spent transaction, after a successful reset', async () => {
    const { token } = await userInRecovery();
    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    const { body: second } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    const done = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    expect(done.body.status).toBe('SUCCESS');

    const again = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({
      errorCode: 'E0000105',
      errorSummary: 'You have accessed an account recovery link that has expired or been previously used.',
    });
    // A second transaction opened from the same link before it was spent cannot spend it again.
    const replay = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: second.stateToken,
      newPassword: 'Another-Pw-789',
    });
    expect(replay.status).toBe(401);
    expect(replay.body.errorCode).toBe('E0000105');
    const reuse = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: 'Another-Pw-789',
    });
    expect(reuse.status).toBe(403);
    expect(reuse.body.errorCode).toBe('E0000079');
  });

  it('answers unknown, malformed, superseded and expired links with the same 401 E0000105', async () => {
    const { id, token: first } = await userInRecovery();
    const second = await resetLink(id);
    const refusals = [
      await post('/api/v1/authn/recovery/token', { recoveryToken: 'A'.repeat(43) }),
      await post('/api/v1/authn/recovery/token', { recoveryToken: 'not a token' }),
      await post('/api/v1/authn/recovery/token', { recoveryToken: first }),
    ];
    jest.spyOn(systemClock, 'now').mockReturnValue(new Date(Date.now() + 61 * 60_000));
    refusals.push(await post('/api/v1/authn/recovery/token', { recoveryToken: second }));
    jest.restoreAllMocks();
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.body.errorCode).toBe('E0000105');
      expect(refusal.body.errorSummary).toBe(refusals[0].body.errorSummary);
    }
    expect((await post('/api/v1/authn/recovery/token', { recoveryToken: second })).status).toBe(200);
  });

  it('ends the recovery transaction when the link expires (401 E0000011)', async () => {
    const { token } = await userInRecovery();
    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    // The state token lives at most as long as the link: past the link's expiry both are over.
    expect(Date.parse(transaction.expiresAt)).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    jest.spyOn(systemClock, 'now').mockReturnValue(new Date(Date.now() + 61 * 60_000));
    const late = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    expect(late.status).toBe(401);
    expect(late.body.errorCode).toBe('E0000011');
  });

  it('refuses a password the policy rejects with 403 E0000080 and causes, and stays in PASSWORD_RESET', async () => {
    const { login, token } = await userInRecovery();
    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    const weak = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: 'short',
    });
    expect(weak.status).toBe(403);
    expect(weak.body.errorCode).toBe('E0000080');
    expect(weak.body.errorCauses[0].errorSummary).toContain('at least 8 characters');

    const reused = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: OLD_PASSWORD,
    });
    expect(reused.status).toBe(403);
    expect(reused.body.errorCode).toBe('E0000080');
    expect(reused.body.errorCauses[0].errorSummary).toContain('cannot be any of your last 4 passwords');

    const done = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    expect(done.body.status).toBe('SUCCESS');
    expect((await signIn(login, NEW_PASSWORD)).body.status).toBe('SUCCESS');
  });

  it('ends the transaction on cancel, and refuses other flows’ steps on a recovery state token', async () => {
    const { token } = await userInRecovery();
    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    const change = await post('/api/v1/authn/credentials/change_password', {
      stateToken: transaction.stateToken,
      oldPassword: OLD_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(change.status).toBe(403);
    expect(change.body.errorCode).toBe('E0000079');

    expect((await post('/api/v1/authn/cancel', { stateToken: transaction.stateToken })).status).toBe(200);
    const cancelled = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    expect(cancelled.status).toBe(401);
    expect(cancelled.body.errorCode).toBe('E0000011');
    // The link itself is still good until used or expired.
    expect((await post('/api/v1/authn/recovery/token', { recoveryToken: token })).status).toBe(200);
  });

  it('refuses a link once an admin expired the password while the user was in RECOVERY', async () => {
    const { id, token } = await userInRecovery();
    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    const expired = await call('POST', `/api/v1/users/${id}/lifecycle/expire_password`, undefined, true);
    expect(expired.status).toBe(200);
    expect((await post('/api/v1/authn/recovery/token', { recoveryToken: token })).body.errorCode).toBe(
      'E0000105',
    );
    const late = await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    expect(late.status).toBe(401);
    expect(late.body.errorCode).toBe('E0000105');
  });

  it('records the reset in the System Log as the user’s password update', async () => {
    const { id, token } = await userInRecovery();
    const { body: transaction } = await post('/api/v1/authn/recovery/token', { recoveryToken: token });
    await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: 'short',
    });
    await post('/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.stateToken,
      newPassword: NEW_PASSWORD,
    });
    const logs = await call(
      'GET',
      `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "user.account.update_password" and target.id eq "${id}"`)}`,
      undefined,
      true,
    );
    expect(logs.status).toBe(200);
    const outcomes = (logs.body as unknown as Json[]).map((entry) => [entry.outcome.result, entry.actor.id]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['FAILURE', id],
        ['SUCCESS', id],
      ]),
    );
  });

  it('serves the link as a self-contained page that runs the recovery calls, not cached, no referrer', async () => {
    const { token } = await userInRecovery();
    const response = await fetch(`${lapse.url}/reset_password/${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = response.headers.get('content-security-policy') as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    const html = await response.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain('/api/v1/authn/recovery/token');
    expect(html).toContain('/api/v1/authn/credentials/reset_password');
    expect(html).not.toContain(token);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    // Opening the page spends nothing: the link still opens a recovery transaction.
    expect((await post('/api/v1/authn/recovery/token', { recoveryToken: token })).status).toBe(200);
  });
});
