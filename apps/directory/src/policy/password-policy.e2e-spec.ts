import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

describe('the password policy', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;
  let service: ReturnType<typeof client>;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
  });
  afterAll(() => lapse.close());

  it("starts with Okta's defaults, for admins and for identity", async () => {
    const expected = {
      complexity: { minLength: 8, minLowerCase: 1, minUpperCase: 1, minNumber: 1, minSymbol: 0 },
      age: { maxAgeDays: 0, expireWarnDays: 0, minAgeMinutes: 0, historyCount: 4 },
      lockout: { maxAttempts: 10, autoUnlockMinutes: 0 },
    };
    expect((await admin('GET', '/api/v1/policies/password')).body).toMatchObject(expected);
    expect((await service('GET', '/internal/v1/policies/password')).body).toMatchObject(expected);
  });

  it('lets a super admin change part of it, and new passwords must follow', async () => {
    const updated = await admin('PUT', '/api/v1/policies/password', {
      complexity: { minLength: 14, minSymbol: 1 },
      lockout: { maxAttempts: 5 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      complexity: { minLength: 14, minSymbol: 1, minNumber: 1 },
      lockout: { maxAttempts: 5, autoUnlockMinutes: 0 },
    });
    const refused = await admin('POST', '/api/v1/users', {
      profile: { login: 'policy@example.com' },
      credentials: { password: { value: 'Short1pass' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errorCauses[0].errorSummary).toContain('at least 14 characters');
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login: 'policy@example.com' },
      credentials: { password: { value: 'Quite-long-pass1' } },
    });
    const temp = await admin(
      'POST',
      `/api/v1/users/${created.body.id}/lifecycle/expire_password_with_temp_password?deliver=none`,
    );
    expect(temp.body.tempPassword).toHaveLength(14);
    expect(temp.body.tempPassword).toMatch(/[^A-Za-z0-9]/);
  });

  it('refuses out-of-range and unknown settings (400 E0000001)', async () => {
    expect((await admin('PUT', '/api/v1/policies/password', { complexity: { minLength: 2 } })).status).toBe(
      400,
    );
    expect((await admin('PUT', '/api/v1/policies/password', { age: { forever: true } })).status).toBe(400);
  });

  it('refuses a null setting on both routes and keeps the policy whole (found by Schemathesis)', async () => {
    const before = (await admin('GET', '/api/v1/policies/password')).body;
    const refused = await admin('PUT', '/api/v1/policies/password', {
      complexity: { excludeAttributes: null },
      age: { maxAgeDays: null },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('E0000001');
    expect(refused.body.errorCauses.map((cause: { errorSummary: string }) => cause.errorSummary)).toEqual([
      'complexity.excludeAttributes: must not be null (leave it out to keep the current value)',
      'age.maxAgeDays: must not be null (leave it out to keep the current value)',
    ]);
    const policies = await admin('GET', '/api/v1/policies?type=PASSWORD');
    const [policy] = policies.body;
    const viaOkta = await admin('PUT', `/api/v1/policies/${policy.id}`, {
      ...policy,
      settings: { password: { lockout: { maxAttempts: null } } },
    });
    expect(viaOkta.status).toBe(400);
    expect((await admin('GET', '/api/v1/policies/password')).body).toEqual(before);
    // A password is still checked against the policy (the null once made this a 500).
    const created = await admin('POST', '/api/v1/users', {
      profile: { login: 'after-null@example.com', firstName: 'Ada' },
      credentials: { password: { value: 'Still-Checked-Pass-42' } },
    });
    expect(created.status).toBe(200);
  });

  it('is changed by super admins only (403 E0000006)', async () => {
    const { body } = await admin('POST', '/api/v1/api-tokens', { name: 'helpdesk', role: 'USER_ADMIN' });
    const response = await client(lapse.url, `SSWS ${body.token}`)('PUT', '/api/v1/policies/password', {
      age: { historyCount: 0 },
    });
    expect(response.status).toBe(403);
  });
});
