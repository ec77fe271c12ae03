import { systemClock } from '@lapse/shared';
import { startTestApp, type TestApp, type TestAnswer } from '@lapse/shared/testing/test-app';
import { eventually, waitFor } from '@lapse/shared/testing/wait-for';

/**
 * Sessions end when access ends, in the all-in-one app (real directory and identity joined by the embedded
 * transport, real PostgreSQL): every admin action that takes the account away ends the user's sessions in
 * identity through directory's events, and every check of a session applies Okta's global session policy
 * (idle time, maximum lifetime). Time is moved with the app's injected clock (`systemClock`), not waited for.
 */
describe('sessions end when access ends (all-in-one)', () => {
  let lapse: TestApp;
  let n = 0;
  const PASSWORD = 'Original-Pw-123';

  beforeAll(async () => {
    lapse = await startTestApp({
      env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1', PASSWORD_POLICY_CACHE_MS: '0' },
    });
  });
  afterAll(() => lapse?.close());
  afterEach(() => jest.restoreAllMocks());

  async function activeUser(): Promise<{ id: string; login: string }> {
    const login = `revoked.${++n}.${Date.now()}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Rosa', lastName: 'Revoked' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id, login };
  }

  /** A session from the user's password, once identity's projection knows the user. */
  async function sessionOf(login: string): Promise<string> {
    const opened = await eventually(
      () => lapse.request('POST', '/api/v1/sessions', { username: login, password: PASSWORD }),
      (answer) => answer.status === 200,
    );
    expect(opened.status).toBe(200);
    return opened.body.id;
  }

  const read = (id: string) => lapse.request('GET', `/api/v1/sessions/${id}`);
  const verify = (id: string) =>
    lapse.request(
      'POST',
      '/internal/v1/sessions/verify',
      { sessionId: id },
      { authorization: `Bearer ${lapse.serviceToken}` },
    );
  const refresh = (id: string) => lapse.request('POST', `/api/v1/sessions/${id}/lifecycle/refresh`);

  function expectGone(answer: TestAnswer): void {
    expect(answer.status).toBe(404);
    expect(answer.body.errorCode).toBe('E0000007');
  }

  /** What every revocation must leave: no way to read, verify or refresh the session. */
  async function expectRevoked(sessionId: string): Promise<void> {
    await waitFor('identity to end the session', async () => (await read(sessionId)).status === 404, 10_000);
    expectGone(await read(sessionId));
    expect((await verify(sessionId)).body).toEqual({ active: false });
    expectGone(await refresh(sessionId));
  }

  async function sessionClearReasons(userId: string): Promise<string[]> {
    const filter = encodeURIComponent(`eventType eq "user.session.clear" and target.id eq "${userId}"`);
    const log = await lapse.admin('GET', `/api/v1/logs?filter=${filter}`);
    expect(log.status).toBe(200);
    return log.body.map((entry: { outcome: { reason: string } }) => entry.outcome.reason);
  }

  describe('when an admin takes the access away', () => {
    it('ends the sessions of a suspended user, for good: unsuspending brings none back', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      expect((await verify(sessionId)).body.active).toBe(true);
      expect((await lapse.admin('POST', `/api/v1/users/${user.id}/lifecycle/suspend`)).status).toBe(200);
      await expectRevoked(sessionId);
      expect(await sessionClearReasons(user.id)).toEqual(['USER_SUSPENDED']);
      expect((await lapse.admin('POST', `/api/v1/users/${user.id}/lifecycle/unsuspend`)).status).toBe(200);
      await waitFor('the user to sign in again', async () => {
        const again = await lapse.request('POST', '/api/v1/sessions', {
          username: user.login,
          password: PASSWORD,
        });
        return again.status === 200;
      });
      expectGone(await read(sessionId));
    });

    it('ends the sessions of a deactivated user, for good: activating again brings none back', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      expect((await lapse.admin('POST', `/api/v1/users/${user.id}/lifecycle/deactivate`)).status).toBe(200);
      await expectRevoked(sessionId);
      expect(await sessionClearReasons(user.id)).toEqual(['USER_DEACTIVATED']);
      expect((await lapse.admin('POST', `/api/v1/users/${user.id}/lifecycle/activate`)).status).toBe(200);
      await sessionOf(user.login);
      expectGone(await read(sessionId));
    });

    it('ends the sessions on a temporary password with revokeSessions=true', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      const temp = await lapse.admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?revokeSessions=true&deliver=none`,
      );
      expect(temp.status).toBe(200);
      await expectRevoked(sessionId);
      expect(await sessionClearReasons(user.id)).toEqual(['TEMPORARY_PASSWORD']);
    });

    it('ends the sessions on a reset link with revokeSessions=true, before the link is used', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      const reset = await lapse.admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/reset_password?sendEmail=false&revokeSessions=true`,
      );
      expect(reset.status).toBe(200);
      await expectRevoked(sessionId);
      expect(await sessionClearReasons(user.id)).toEqual(['PASSWORD_RESET']);
    });
  });

  describe('when the user completes a recovery with the reset link', () => {
    it('ends the sessions from before the reset, and keeps the one the recovery signs in with', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      const reset = await lapse.admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/reset_password?sendEmail=false`,
      );
      expect(reset.status).toBe(200);
      // A reset link alone, without revokeSessions, leaves the session (as Okta does).
      expect((await read(sessionId)).status).toBe(200);
      const url = reset.body.resetPasswordUrl as string;
      const recoveryToken = url.slice(url.lastIndexOf('/') + 1);
      const transaction = await lapse.request('POST', '/api/v1/authn/recovery/token', { recoveryToken });
      expect(transaction.body.status).toBe('PASSWORD_RESET');
      const done = await lapse.request('POST', '/api/v1/authn/credentials/reset_password', {
        stateToken: transaction.body.stateToken,
        newPassword: 'Recovered-Pw-456',
      });
      expect(done.body.status).toBe('SUCCESS');
      await expectRevoked(sessionId);
      expect(await sessionClearReasons(user.id)).toEqual(['RECOVERY_COMPLETED']);
      const fresh = await lapse.request('POST', '/api/v1/sessions', { sessionToken: done.body.sessionToken });
      expect(fresh.status).toBe(200);
      expect((await read(fresh.body.id)).status).toBe(200);
    });
  });

  describe('when an admin only expires the password', () => {
    it('keeps the session, as Okta does: the next sign-in must change the password', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      expect((await lapse.admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`)).status).toBe(
        200,
      );
      const refused = await eventually(
        () => lapse.request('POST', '/api/v1/sessions', { username: user.login, password: PASSWORD }),
        (answer) => answer.status === 401,
      );
      expect(refused.body.errorCode).toBe('E0000064');
      expect((await read(sessionId)).status).toBe(200);
      expect((await verify(sessionId)).body.active).toBe(true);
      expect((await refresh(sessionId)).status).toBe(200);
      expect(await sessionClearReasons(user.id)).toEqual([]);
    });
  });

  describe("Okta's global session policy (idle 120 minutes, at most 1440 minutes)", () => {
    const MINUTE = 60_000;
    /** Moves the app's clock to `minutes` from now; returns that instant. */
    const at = (minutes: number): number => {
      const moved = Date.now() + minutes * MINUTE;
      jest.spyOn(systemClock, 'now').mockImplementation(() => new Date(moved));
      return moved;
    };

    it('ends a session left unused for the idle time; every use counts as activity', async () => {
      const user = await activeUser();
      const unused = await sessionOf(user.login);
      const used = await sessionOf(user.login);
      const opened = await read(used);
      expect(Date.parse(opened.body.expiresAt) - Date.parse(opened.body.createdAt)).toBe(120 * MINUTE);
      const usedAt = at(100);
      const touched = await read(used);
      expect(touched.status).toBe(200);
      expect(Date.parse(touched.body.expiresAt)).toBe(usedAt + 120 * MINUTE);
      at(121);
      expectGone(await read(unused));
      expect((await verify(unused)).body).toEqual({ active: false });
      expectGone(await refresh(unused));
      expect((await read(used)).status).toBe(200);
      // That read was a use too: idle from minute 121 on, the session ends at minute 241.
      at(121 + 121);
      expectGone(await read(used));
    });

    it('ends a session at its maximum lifetime however often it is refreshed, and says so in expiresAt', async () => {
      const user = await activeUser();
      const sessionId = await sessionOf(user.login);
      const createdAt = Date.parse((await read(sessionId)).body.createdAt);
      let last: TestAnswer | undefined;
      for (let minutes = 100; minutes < 1440; minutes += 100) {
        at(minutes);
        last = await refresh(sessionId);
        expect(last.status).toBe(200);
      }
      // At 1,400 minutes the idle expiry (1,520) is past the maximum lifetime: the session says 1,440.
      expect(Date.parse(last?.body.expiresAt)).toBe(createdAt + 1440 * MINUTE);
      expect((await verify(sessionId)).body.session.expiresAt).toBe(
        new Date(createdAt + 1440 * MINUTE).toISOString(),
      );
      at(1441);
      expectGone(await read(sessionId));
      expect((await verify(sessionId)).body).toEqual({ active: false });
      expectGone(await refresh(sessionId));
    });
  });
});
