import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

describe('the audit log', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;
  let userId: string;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login: 'audited@example.com' },
      credentials: { password: { value: 'Initial1pass' } },
    });
    userId = created.body.id;
    await admin(
      'POST',
      `/api/v1/users/${userId}/lifecycle/expire_password_with_temp_password?revokeSessions=true&deliver=none`,
      undefined,
      {
        'x-correlation-id': 'corr-temp-1',
      },
    );
    await admin('POST', `/api/v1/users/${userId}/lifecycle/reset_password?sendEmail=false`);
  });
  afterAll(() => lapse.close());

  const logs = (query: string) => admin('GET', `/api/v1/logs?${query}`);

  it('records expire_password with whether a temporary password was created and sessions revoked', async () => {
    const response = await logs(
      `filter=${encodeURIComponent('eventType eq "user.account.expire_password"')}`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1);
    expect(response.body[0]).toMatchObject({
      eventType: 'user.account.expire_password',
      actor: { id: 'bootstrap', type: 'AdminToken' },
      target: [{ id: userId, type: 'User', alternateId: 'audited@example.com' }],
      outcome: { result: 'SUCCESS' },
      transaction: { id: 'corr-temp-1' },
      debugContext: { debugData: { tempPasswordCreated: true, sessionsRevoked: true, delivery: 'none' } },
    });
  });

  it('records the sessions it revoked as user.session.clear, with the reason, next to the command', async () => {
    const response = await logs(`filter=${encodeURIComponent('eventType eq "user.session.clear"')}`);
    expect(response.body).toHaveLength(1);
    expect(response.body[0]).toMatchObject({
      eventType: 'user.session.clear',
      actor: { id: 'bootstrap', type: 'AdminToken' },
      target: [{ id: userId, type: 'User', alternateId: 'audited@example.com' }],
      outcome: { result: 'SUCCESS', reason: 'TEMPORARY_PASSWORD' },
      transaction: { id: 'corr-temp-1' },
    });
  });

  it('records a refused reset in one-time password mode as a FAILURE with its reason', async () => {
    const response = await logs(`filter=${encodeURIComponent('eventType eq "user.account.reset_password"')}`);
    expect(response.body[0].outcome.result).toBe('FAILURE');
    expect(response.body[0].outcome.reason).toMatch(/^E0000507/);
  });

  it('filters by target and by time window', async () => {
    const byTarget = await logs(`filter=${encodeURIComponent(`target.id eq "${userId}"`)}`);
    expect(byTarget.body.map((e: { eventType: string }) => e.eventType)).toEqual([
      'user.lifecycle.create',
      'user.account.expire_password',
      'user.session.clear',
      'user.account.reset_password',
    ]);
    const future = await logs(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body).toEqual([]);
    const past = await logs(`until=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`);
    expect(past.body).toEqual([]);
  });

  it('refuses an invalid filter and unknown parameters (400 E0000001)', async () => {
    expect((await logs('filter=eventType%20eq')).status).toBe(400);
    expect((await logs('colour=blue')).status).toBe(400);
  });

  it('never records a secret', async () => {
    const everything = await logs('limit=1000');
    expect(JSON.stringify(everything.body)).not.toMatch(/argon2|Initial1pass|tempPassword"/);
  });
});
