import { Client } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

type Api = ReturnType<typeof client>;

async function rows(url: string, sql: string, params: unknown[] = []) {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    // biome-ignore lint/suspicious/noExplicitAny: spec reads raw rows
    return (await db.query<any>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

describe("Okta's Groups API", () => {
  let lapse: DirectoryTestApp;
  let admin: Api;

  const createGroup = async (name: string, description?: string | null) => {
    const response = await admin('POST', '/api/v1/groups', { profile: { name, description } });
    expect(response.status).toBe(200);
    return response.body;
  };
  const createUser = async (login: string, groupIds?: string[]) =>
    admin('POST', '/api/v1/users?activate=false', { profile: { login, email: login }, groupIds });
  const auditOf = async (eventType: string) =>
    (await admin('GET', `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "${eventType}"`)}`)).body;
  const ids = (body: { id: string }[]) => body.map((item) => item.id);

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
  });
  afterAll(() => lapse.close());

  describe('creating a group', () => {
    it("answers Okta's Group: OKTA_GROUP, its profile, times and links", async () => {
      const group = await createGroup('Finance', 'Money people');
      expect(group).toMatchObject({
        type: 'OKTA_GROUP',
        objectClass: ['okta:user_group'],
        profile: { name: 'Finance', description: 'Money people' },
        _links: { users: { href: `${lapse.url}/api/v1/groups/${group.id}/users` } },
      });
      expect(group.created).toBe(group.lastUpdated);
      expect((await admin('GET', `/api/v1/groups/${group.id}`)).body).toEqual(group);
      const [audit] = await auditOf('group.lifecycle.create');
      expect(audit.target).toEqual([expect.objectContaining({ id: group.id, alternateId: 'Finance' })]);
      const events = await rows(lapse.databaseUrl, 'SELECT type FROM lapse_events WHERE stream_id = $1', [
        `group-${group.id}`,
      ]);
      expect(events.map((event) => event.type)).toEqual(['GroupCreated']);
    });

    it('refuses a name another group has, compared case-insensitively (400 E0000001), creating nothing', async () => {
      await createGroup('Auditors');
      const before = await rows(lapse.databaseUrl, 'SELECT count(*)::int AS n FROM directory_groups');
      const response = await admin('POST', '/api/v1/groups', { profile: { name: 'AUDITORS' } });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      expect(response.body.errorCauses[0].errorSummary).toMatch(
        /profile.name: An object with this field already exists/,
      );
      expect(await rows(lapse.databaseUrl, 'SELECT count(*)::int AS n FROM directory_groups')).toEqual(
        before,
      );
    });

    it('refuses a blank name and unknown fields (400 E0000001)', async () => {
      expect((await admin('POST', '/api/v1/groups', { profile: { name: '' } })).body.errorCode).toBe(
        'E0000001',
      );
      const blank = await admin('POST', '/api/v1/groups', { profile: { name: '   ' } });
      expect(blank.body.errorCauses[0].errorSummary).toBe('profile.name: The field cannot be left blank');
      expect((await admin('POST', '/api/v1/groups', { profile: { name: 'X', owner: 'me' } })).status).toBe(
        400,
      );
    });
  });

  it('answers 404 E0000007 for a group that is not there, whatever its id looks like', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', '00g1emaKYZTWRYYRRTSK']) {
      const response = await admin('GET', `/api/v1/groups/${id}`);
      expect(response.status).toBe(404);
      expect(response.body.errorCode).toBe('E0000007');
    }
  });

  it('replaces the profile with PUT, and says so in the System Log', async () => {
    const group = await createGroup('Sales', 'EU');
    const response = await admin('PUT', `/api/v1/groups/${group.id}`, { profile: { name: 'Sales EU' } });
    expect(response.status).toBe(200);
    expect(response.body.profile).toEqual({ name: 'Sales EU', description: null });
    expect((await admin('GET', `/api/v1/groups/${group.id}`)).body.profile.name).toBe('Sales EU');
    expect((await auditOf('group.profile.update'))[0].target[0].id).toBe(group.id);
  });

  it('searches by name prefix with q, paged with limit, after and a Link header', async () => {
    const a = await createGroup('Search Alpha');
    const b = await createGroup('search beta');
    await createGroup('Other');
    const all = (await admin('GET', '/api/v1/groups?q=sEaRcH')).body;
    expect(ids(all).sort()).toEqual([a.id, b.id].sort());
    const first = await admin('GET', '/api/v1/groups?q=search&limit=1');
    expect(first.body).toHaveLength(1);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toContain(`after=${first.body[0].id}`);
    const second = await admin('GET', next.slice(lapse.url.length));
    expect(ids([...first.body, ...second.body]).sort()).toEqual([a.id, b.id].sort());
    expect(second.headers.get('link')).not.toContain('rel="next"');
  });

  describe('members', () => {
    it('adds a user once however often asked (204), lists them both ways, and removes them', async () => {
      const group = await createGroup('Engineers');
      const user = (await createUser('eng@example.com')).body;
      for (let i = 0; i < 2; i++)
        expect((await admin('PUT', `/api/v1/groups/${group.id}/users/${user.id}`)).status).toBe(204);
      const membership = await rows(
        lapse.databaseUrl,
        "SELECT type FROM lapse_events WHERE stream_id = $1 AND type = 'UserAddedToGroup'",
        [`user-${user.id}`],
      );
      expect(membership).toHaveLength(1);

      const members = await admin('GET', `/api/v1/groups/${group.id}/users`);
      expect(members.status).toBe(200);
      expect(members.body.map((member: { profile: { login: string } }) => member.profile.login)).toEqual([
        'eng@example.com',
      ]);
      expect(ids((await admin('GET', `/api/v1/users/${user.id}/groups`)).body)).toEqual([group.id]);
      expect(ids((await admin('GET', '/api/v1/users/eng@example.com/groups')).body)).toEqual([group.id]);
      const after = (await admin('GET', `/api/v1/groups/${group.id}`)).body;
      expect(Date.parse(after.lastMembershipUpdated)).toBeGreaterThanOrEqual(Date.parse(group.created));
      const [added] = await auditOf('group.user_membership.add');
      expect(added.target[0]).toMatchObject({ id: user.id, alternateId: 'eng@example.com' });

      expect((await admin('DELETE', `/api/v1/groups/${group.id}/users/${user.id}`)).status).toBe(204);
      expect((await admin('DELETE', `/api/v1/groups/${group.id}/users/${user.id}`)).status).toBe(204);
      expect((await admin('GET', `/api/v1/users/${user.id}/groups`)).body).toEqual([]);
      expect((await admin('GET', `/api/v1/groups/${group.id}/users`)).body).toEqual([]);
      expect((await auditOf('group.user_membership.remove'))[0].target[0].id).toBe(user.id);
    });

    it('pages a group’s users by id with limit and a Link header', async () => {
      const group = await createGroup('Paged');
      const users = [];
      for (let i = 0; i < 3; i++)
        users.push((await createUser(`paged-${i}@example.com`, [group.id])).body.id);
      const page = await admin('GET', `/api/v1/groups/${group.id}/users?limit=2`);
      expect(ids(page.body)).toEqual([...users].sort().slice(0, 2));
      const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1] ?? '';
      expect(ids((await admin('GET', next.slice(lapse.url.length))).body)).toEqual(
        [...users].sort().slice(2),
      );
    });

    it('answers 404 E0000007 for an unknown group or user', async () => {
      const group = await createGroup('Lonely');
      const user = (await createUser('lonely@example.com')).body;
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await admin('PUT', `/api/v1/groups/${unknown}/users/${user.id}`)).status).toBe(404);
      expect((await admin('PUT', `/api/v1/groups/${group.id}/users/${unknown}`)).body.errorCode).toBe(
        'E0000007',
      );
      expect((await admin('GET', `/api/v1/users/${unknown}/groups`)).status).toBe(404);
    });
  });

  describe('groupIds when a user is created', () => {
    it('makes the new user a member of each group', async () => {
      const one = await createGroup('Joined One');
      const two = await createGroup('Joined Two');
      const created = await createUser('joined@example.com', [one.id, two.id]);
      expect(created.status).toBe(200);
      expect(ids((await admin('GET', `/api/v1/users/${created.body.id}/groups`)).body).sort()).toEqual(
        [one.id, two.id].sort(),
      );
    });

    it('makes imported users members too, and refuses an import naming no group (400 E0000001)', async () => {
      const group = await createGroup('Imported');
      const imported = await admin('POST', '/api/v1/users/import?activate=false', {
        users: [
          { profile: { login: 'imp.a@example.com' }, groupIds: [group.id] },
          { profile: { login: 'imp.b@example.com' } },
        ],
      });
      expect(imported.status).toBe(200);
      const members = (await admin('GET', `/api/v1/groups/${group.id}/users`)).body;
      expect(members.map((member: { profile: { login: string } }) => member.profile.login)).toEqual([
        'imp.a@example.com',
      ]);
      const refused = await admin('POST', '/api/v1/users/import', {
        users: [
          { profile: { login: 'imp.c@example.com' }, groupIds: ['00000000-0000-4000-8000-000000000000'] },
        ],
      });
      expect(refused.status).toBe(400);
      expect((await admin('GET', '/api/v1/users/imp.c@example.com')).status).toBe(404);
    });

    it('refuses a group id that is no group’s (400 E0000001), creating no user', async () => {
      const response = await createUser('nogroup@example.com', ['00000000-0000-4000-8000-000000000000']);
      expect(response.status).toBe(400);
      expect(response.body.errorCauses[0].errorSummary).toMatch(/groupIds: no group has the id/);
      expect((await admin('GET', '/api/v1/users/nogroup@example.com')).status).toBe(404);
    });
  });

  it('deletes a group (204) with its memberships; then it is not found', async () => {
    const group = await createGroup('Doomed');
    const user = (await createUser('doomed@example.com', [group.id])).body;
    expect((await admin('DELETE', `/api/v1/groups/${group.id}`)).status).toBe(204);
    expect((await admin('GET', `/api/v1/groups/${group.id}`)).status).toBe(404);
    expect((await admin('DELETE', `/api/v1/groups/${group.id}`)).status).toBe(404);
    expect((await admin('GET', `/api/v1/users/${user.id}/groups`)).body).toEqual([]);
    expect((await admin('PUT', `/api/v1/groups/${group.id}/users/${user.id}`)).status).toBe(404);
    expect((await auditOf('group.lifecycle.delete'))[0].target[0]).toMatchObject({
      id: group.id,
      alternateId: 'Doomed',
    });
    // The name is free again.
    expect((await admin('POST', '/api/v1/groups', { profile: { name: 'Doomed' } })).status).toBe(200);
  });

  it('is written by super and user admins only (read-only admins: 403 E0000006)', async () => {
    const token = await admin('POST', '/api/v1/api-tokens', { name: 'reader', role: 'READ_ONLY_ADMIN' });
    const reader = client(lapse.url, `SSWS ${token.body.token}`);
    expect((await reader('GET', '/api/v1/groups')).status).toBe(200);
    const refused = await reader('POST', '/api/v1/groups', { profile: { name: 'Readers' } });
    expect(refused.status).toBe(403);
    expect(refused.body.errorCode).toBe('E0000006');
  });
});
