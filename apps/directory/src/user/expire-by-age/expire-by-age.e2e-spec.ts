import { systemClock } from '@lapse/shared';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually, waitFor } from '@lapse/shared/testing/wait-for';

const DAY_MS = 86_400_000;
const MAX_AGE_DAYS = 30;
const PASSWORD = 'Original-Pw-123';

/**
 * The age-expiry sweep in the all-in-one app (directory, identity and notifier joined by the embedded
 * transport, real PostgreSQL): it runs on its own schedule (every second here) at the app's injected clock,
 * which the spec moves past the policy's maximum age instead of waiting; its event reaches identity, which
 * then refuses the password at the real time too, and an exempt user is left alone by both.
 */
describe('passwords past the maximum age (all-in-one)', () => {
  let lapse: TestApp;
  let n = 0;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: {
        ...FAST_PASSWORD_HASHING,
        PASSWORD_POLICY_CACHE_MS: '0',
        POLICY_SWEEP_INTERVAL_SECONDS: '1',
      },
    });
    const policy = await lapse.admin('PUT', '/api/v1/policies/password', {
      age: { maxAgeDays: MAX_AGE_DAYS },
    });
    expect(policy.status).toBe(200);
  });
  afterAll(() => lapse?.close());
  afterEach(() => jest.restoreAllMocks());

  async function activeUser(): Promise<{ id: string; login: string }> {
    const login = `aged.${++n}.${Date.now()}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Aged' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id, login };
  }

  const signIn = (login: string) =>
    lapse.request('POST', '/api/v1/authn', { username: login, password: PASSWORD });
  const statusOf = async (id: string) => (await lapse.admin('GET', `/api/v1/users/${id}`)).body.status;
  const moveClockBy = (days: number) => {
    const moved = Date.now() + days * DAY_MS;
    jest.spyOn(systemClock, 'now').mockImplementation(() => new Date(moved));
  };

  it('expires the password on schedule, and identity refuses it from then on', async () => {
    const user = await activeUser();
    const exempt = await activeUser();
    const exempted = await lapse.admin(
      'PUT',
      `/api/v1/users/${exempt.id}/credentials/password_expiry_exemption`,
      { exempt: true, reason: 'service account' },
    );
    expect(exempted.status).toBe(200);
    expect(exempted.body.credentials.password.expiryExempt).toBe(true);
    for (const login of [user.login, exempt.login]) {
      const answer = await eventually(
        () => signIn(login),
        (a) => a.body.status === 'SUCCESS',
      );
      expect(answer.body.status).toBe('SUCCESS');
    }

    moveClockBy(MAX_AGE_DAYS + 1);
    await waitFor(
      'the sweep to expire the password',
      async () => (await statusOf(user.id)) === 'PASSWORD_EXPIRED',
      15_000,
    );
    const presented = (await lapse.admin('GET', `/api/v1/users/${user.id}`)).body;
    expect(presented.credentials.password.expired).toMatchObject({ cause: 'POLICY' });
    expect(await statusOf(exempt.id)).toBe('ACTIVE');
    // Identity's age check leaves the exempt user alone at the same instant.
    expect((await signIn(exempt.login)).body.status).toBe('SUCCESS');

    // Back at the real time, the password is young again by its age: only the sweep's event refuses it.
    jest.restoreAllMocks();
    const refused = await eventually(
      () => signIn(user.login),
      (a) => a.body.status === 'PASSWORD_EXPIRED',
    );
    expect(refused.body.status).toBe('PASSWORD_EXPIRED');

    const filter = encodeURIComponent(
      `eventType eq "user.account.expire_password" and target.id eq "${user.id}"`,
    );
    const log = await lapse.admin('GET', `/api/v1/logs?filter=${filter}`);
    expect(log.body).toHaveLength(1);
    expect(log.body[0]).toMatchObject({ actor: { type: 'System' }, outcome: { result: 'SUCCESS' } });
    const exemptions = await lapse.admin(
      'GET',
      `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "user.account.update_password_expiry_exemption" and target.id eq "${exempt.id}"`)}`,
    );
    expect(exemptions.body).toHaveLength(1);
    expect(exemptions.body[0]).toMatchObject({
      actor: { type: 'AdminToken' },
      outcome: { result: 'SUCCESS' },
    });
  });

  it('refuses a bad exemption request with Okta’s error envelope, and changes nothing', async () => {
    const user = await activeUser();
    const answer = await lapse.admin(
      'PUT',
      `/api/v1/users/${user.id}/credentials/password_expiry_exemption`,
      {
        exempt: 'yes',
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ errorCode: 'E0000001' });
    expect(answer.body.errorCauses.length).toBeGreaterThan(0);
    const after = (await lapse.admin('GET', `/api/v1/users/${user.id}`)).body;
    expect(after.credentials.password.expiryExempt).toBeUndefined();
  });
});
