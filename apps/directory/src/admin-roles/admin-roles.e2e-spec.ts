import { randomUUID } from 'node:crypto';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

describe('admin roles on users (Okta roles API)', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ env: { ADMIN_RATE_LIMIT_PER_MINUTE: '1000' } });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
  });
  afterAll(() => lapse.close());

  async function newUser(): Promise<{ id: string; login: string }> {
    const login = `role-${randomUUID()}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Rosa', lastName: 'Admin' },
      credentials: { password: { value: 'Correct-Horse-9-battery' } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id, login };
  }

  it('assigns a role and answers 201 with Okta role object, which the list then shows', async () => {
    const user = await newUser();
    const assigned = await admin('POST', `/api/v1/users/${user.id}/roles`, { type: 'USER_ADMIN' });
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({
      type: 'USER_ADMIN',
      label: 'Group Administrator',
      status: 'ACTIVE',
      assignmentType: 'USER',
    });
    expect(assigned.body.id).toMatch(/^ra[A-Za-z0-9]{18}$/);
    expect(assigned.body.created).toBe(assigned.body.lastUpdated);
    const listed = await admin('GET', `/api/v1/users/${user.id}/roles`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([assigned.body]);
  });

  it('refuses a role the user already holds with 409 E0000090, and an unknown type with 400 E0000001', async () => {
    const user = await newUser();
    await admin('POST', `/api/v1/users/${user.id}/roles`, { type: 'READ_ONLY_ADMIN' });
    const twice = await admin('POST', `/api/v1/users/${user.id}/roles`, { type: 'READ_ONLY_ADMIN' });
    expect(twice.status).toBe(409);
    expect(twice.body.errorCode).toBe('E0000090');
    const bad = await admin('POST', `/api/v1/users/${user.id}/roles`, { type: 'ORG_OWNER' });
    expect(bad.status).toBe(400);
    expect(bad.body.errorCode).toBe('E0000001');
    expect((await admin('GET', `/api/v1/users/${user.id}/roles`)).body).toHaveLength(1);
  });

  it('answers 404 E0000007 for an unknown user and an unknown role id', async () => {
    const unknown = await admin('POST', `/api/v1/users/${randomUUID()}/roles`, { type: 'SUPER_ADMIN' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errorCode).toBe('E0000007');
    const user = await newUser();
    const gone = await admin('DELETE', `/api/v1/users/${user.id}/roles/ranosuchrole0000000`);
    expect(gone.status).toBe(404);
    expect(gone.body.errorCode).toBe('E0000007');
  });

  it('removes a role with 204, after which the user holds none', async () => {
    // Another active super administrator remains (the last one cannot be removed: last-super-admin.e2e-spec.ts).
    const other = await newUser();
    expect((await admin('POST', `/api/v1/users/${other.id}/roles`, { type: 'SUPER_ADMIN' })).status).toBe(
      201,
    );
    const user = await newUser();
    const { body: role } = await admin('POST', `/api/v1/users/${user.id}/roles`, { type: 'SUPER_ADMIN' });
    expect((await admin('DELETE', `/api/v1/users/${user.id}/roles/${role.id}`)).status).toBe(204);
    expect((await admin('GET', `/api/v1/users/${user.id}/roles`)).body).toEqual([]);
  });

  it('lets only a super administrator assign or remove roles; any admin may list them', async () => {
    const user = await newUser();
    const { body: token } = await admin('POST', '/api/v1/api-tokens', {
      name: 'helpdesk',
      role: 'USER_ADMIN',
    });
    const helpdesk = client(lapse.url, `SSWS ${token.token}`);
    const refused = await helpdesk('POST', `/api/v1/users/${user.id}/roles`, { type: 'SUPER_ADMIN' });
    expect(refused.status).toBe(403);
    expect(refused.body.errorCode).toBe('E0000006');
    expect((await helpdesk('GET', `/api/v1/users/${user.id}/roles`)).status).toBe(200);
  });

  it('records grants and revocations in the System Log with the actor and the target', async () => {
    const user = await newUser();
    const { body: role } = await admin('POST', `/api/v1/users/${user.id}/roles`, { type: 'USER_ADMIN' });
    await admin('DELETE', `/api/v1/users/${user.id}/roles/${role.id}`);
    const filter = encodeURIComponent(`target.id eq "${user.id}"`);
    const { body: log } = await admin('GET', `/api/v1/logs?filter=${filter}`);
    const privilege = log.filter((entry: { eventType: string }) => entry.eventType.includes('privilege'));
    expect(
      privilege.map((entry: { eventType: string; outcome: { result: string } }) => [
        entry.eventType,
        entry.outcome.result,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['user.account.privilege.grant', 'SUCCESS'],
        ['user.account.privilege.revoke', 'SUCCESS'],
      ]),
    );
    expect(privilege[0].actor).toMatchObject({ id: 'bootstrap', type: 'AdminToken' });
  });
});
