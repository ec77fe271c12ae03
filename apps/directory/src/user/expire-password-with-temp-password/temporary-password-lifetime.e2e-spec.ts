import { client, type DirectoryTestApp, startDirectoryTestApp } from '../../testing/directory-test-app';

type Api = ReturnType<typeof client>;

/**
 * An admin chooses a temporary password's lifetime per request (`tempPasswordLifetimeMinutes`), within the
 * org's maximum (`TEMP_PASSWORD_MAX_LIFETIME_MINUTES`); out of bounds is Okta's 400 E0000001 naming the
 * bound, and nothing is applied.
 */
describe('the lifetime of a temporary password, chosen per request', () => {
  let lapse: DirectoryTestApp;
  let admin: Api;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({
      env: { TEMP_PASSWORD_MAX_LIFETIME_MINUTES: '120', POLICY_SWEEP_INTERVAL_SECONDS: '0' },
    });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
  });
  afterAll(() => lapse?.close());

  async function activeUser(): Promise<string> {
    const login = `temp-${Math.random().toString(36).slice(2)}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Tim' },
      credentials: { password: { value: 'Original-Pw-123' } },
    });
    expect(created.status).toBe(200);
    return created.body.id;
  }
  const issue = (id: string, lifetime: string) =>
    admin(
      'POST',
      `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password?deliver=none&tempPasswordLifetimeMinutes=${lifetime}`,
    );

  it('gives the temporary password the lifetime asked for', async () => {
    const id = await activeUser();
    const before = Date.now();
    const issued = await issue(id, '45');
    const after = Date.now();
    expect(issued.status).toBe(200);
    expect(typeof issued.body.tempPassword).toBe('string');
    const user = (await admin('GET', `/api/v1/users/${id}`)).body;
    const expiresAt = Date.parse(user.credentials.password.tempPasswordExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 45 * 60_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 45 * 60_000);
  });

  it.each(['0', '121', '999999999'])(
    'refuses %s minutes, naming the bound, and changes nothing',
    async (lifetime) => {
      const id = await activeUser();
      const refused = await issue(id, lifetime);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        errorCode: 'E0000001',
        errorCauses: [
          {
            errorSummary:
              "tempPasswordLifetimeMinutes: must be between 1 and 120 minutes (the org's maximum)",
          },
        ],
      });
      expect((await admin('GET', `/api/v1/users/${id}`)).body.status).toBe('ACTIVE');
    },
  );

  it('refuses a lifetime that is not a whole number of minutes', async () => {
    const id = await activeUser();
    const refused = await issue(id, '1.5');
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('E0000001');
    expect(JSON.stringify(refused.body.errorCauses)).toContain('tempPasswordLifetimeMinutes');
    expect((await admin('GET', `/api/v1/users/${id}`)).body.status).toBe('ACTIVE');
  });
});
