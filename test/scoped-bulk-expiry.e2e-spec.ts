import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { statusOnceKnown } from './support/sign-in-status';

/**
 * A bulk expiry scoped to groups, in the all-in-one app with the fan-out worker off: the one fact alone
 * (identity's cutoff with the groups, applied through the memberships identity learnt) refuses exactly the
 * members' passwords, before any per-user event exists.
 */
describe('a bulk expiry scoped to a group', () => {
  let lapse: TestApp;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1', BULK_EXPIRY_WORKER: 'false' },
    });
  });
  afterAll(() => lapse.close());

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${lapse.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `SSWS ${lapse.adminToken}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }
  const signIn = async (username: string) =>
    (await call('POST', '/api/v1/authn', { username, password: 'Initial1pass' })).body.status;
  const create = async (login: string, groupIds?: string[]) =>
    (
      await call('POST', '/api/v1/users?activate=true', {
        profile: { login, email: login },
        credentials: { password: { value: 'Initial1pass' } },
        groupIds,
      })
    ).body.id as string;

  it('counts the members in a dry run, then refuses exactly their passwords at sign-in at once', async () => {
    const finance = (await call('POST', '/api/v1/groups', { profile: { name: 'Finance' } })).body.id;
    const sales = (await call('POST', '/api/v1/groups', { profile: { name: 'Sales' } })).body.id;
    await create('fin.a@example.com', [finance]);
    const joinsLater = await create('fin.b@example.com');
    await create('both@example.com', [finance, sales]);
    await create('outside@example.com');
    expect((await call('PUT', `/api/v1/groups/${finance}/users/${joinsLater}`)).status).toBe(204);

    const dry = await call('POST', '/api/v1/users/lifecycle/expire_passwords', {
      groupIds: [finance, sales],
      dryRun: true,
    });
    expect(dry.body).toMatchObject({
      total: 3,
      groupIds: [finance, sales],
      perProvider: [
        { provider: 'OKTA', total: 3 },
        { provider: 'IMPORT', total: 0 },
      ],
      perGroup: [
        { groupId: finance, total: 3 },
        { groupId: sales, total: 1 },
      ],
    });
    for (const login of ['fin.a@example.com', 'fin.b@example.com', 'outside@example.com'])
      expect(await statusOnceKnown(lapse, login, 'Initial1pass')).toBe('SUCCESS');

    const job = await call('POST', '/api/v1/users/lifecycle/expire_passwords', { groupIds: [finance] });
    expect(job.status).toBe(202);
    expect(job.body).toMatchObject({ total: 3, groupIds: [finance] });
    // Identity applies the fact as its consumer reads the log; the per-user events never come (no worker).
    let statuses: string[] = [];
    for (let i = 0; i < 100; i++) {
      statuses = [];
      for (const login of ['fin.a@example.com', 'fin.b@example.com', 'both@example.com'])
        statuses.push(await signIn(login));
      if (statuses.every((status) => status === 'PASSWORD_EXPIRED')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(statuses).toEqual(['PASSWORD_EXPIRED', 'PASSWORD_EXPIRED', 'PASSWORD_EXPIRED']);
    expect(await signIn('outside@example.com')).toBe('SUCCESS');
  });

  it('refuses a group id that is no group (400 E0000001) and starts nothing', async () => {
    const response = await call('POST', '/api/v1/users/lifecycle/expire_passwords', {
      groupIds: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(response.status).toBe(400);
    expect(response.body.errorCauses[0].errorSummary).toMatch(/groupIds: no group has the id/);
    expect(
      (await call('GET', '/api/v1/jobs')).body.filter((job: { groupIds?: string[] }) => !job.groupIds),
    ).toEqual([]);
  });
});
