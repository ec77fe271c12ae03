import { randomUUID } from 'node:crypto';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

/**
 * The last active super administrator stays: removing their SUPER_ADMIN role, suspending or deactivating
 * them is refused (`403 E0000038`), also when two administrators take each other out at the same moment.
 * Its own app (a database of its own): the spec counts every super administrator there is.
 */
describe('the last super administrator', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ env: { ADMIN_RATE_LIMIT_PER_MINUTE: '10000' } });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
  });
  afterAll(() => lapse.close());

  async function superAdministrator(): Promise<{ id: string; roleId: string }> {
    const login = `super-${randomUUID()}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Sue', lastName: 'Perr' },
      credentials: { password: { value: 'Correct-Horse-9-battery' } },
    });
    expect(created.status).toBe(200);
    const role = await admin('POST', `/api/v1/users/${created.body.id}/roles`, { type: 'SUPER_ADMIN' });
    expect(role.status).toBe(201);
    return { id: created.body.id, roleId: role.body.id };
  }

  const removeRole = (user: { id: string; roleId: string }) =>
    admin('DELETE', `/api/v1/users/${user.id}/roles/${user.roleId}`);
  const lifecycle = (user: { id: string }, operation: string) =>
    admin('POST', `/api/v1/users/${user.id}/lifecycle/${operation}`);
  const holdsSuperAdmin = async (user: { id: string }) =>
    (await admin('GET', `/api/v1/users/${user.id}/roles`)).body.some(
      (role: { type: string }) => role.type === 'SUPER_ADMIN',
    );

  function expectRefused(answer: { status: number; body: Record<string, unknown> }): void {
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({
      errorCode: 'E0000038',
      errorSummary: 'The last super administrator cannot be removed',
      errorCauses: [{ errorSummary: 'Assign SUPER_ADMIN to another active user first.' }],
    });
  }

  let ada: { id: string; roleId: string };
  let bob: { id: string; roleId: string };

  it("refuses to remove the only super administrator's role, or to suspend or deactivate them", async () => {
    ada = await superAdministrator();
    expectRefused(await removeRole(ada));
    expectRefused(await lifecycle(ada, 'suspend'));
    expectRefused(await lifecycle(ada, 'deactivate'));
    expect(await holdsSuperAdmin(ada)).toBe(true);
    expect((await admin('GET', `/api/v1/users/${ada.id}`)).body.status).toBe('ACTIVE');
    const filter = encodeURIComponent(
      `target.id eq "${ada.id}" and eventType eq "user.account.privilege.revoke"`,
    );
    const { body: log } = await admin('GET', `/api/v1/logs?filter=${filter}`);
    expect(log.map((entry: { outcome: { result: string } }) => entry.outcome.result)).toEqual(['FAILURE']);
  });

  it('lets one go while another active one remains; a suspended one does not count', async () => {
    bob = await superAdministrator();
    expect((await lifecycle(bob, 'suspend')).status).toBe(200);
    expectRefused(await removeRole(ada));
    expect((await lifecycle(bob, 'unsuspend')).status).toBe(200);
    expect((await removeRole(ada)).status).toBe(204);
    expect(await holdsSuperAdmin(ada)).toBe(false);
    expectRefused(await lifecycle(bob, 'deactivate'));
    // Other changes to the last one go through: a role they also hold, their password.
    const extra = await admin('POST', `/api/v1/users/${bob.id}/roles`, { type: 'READ_ONLY_ADMIN' });
    expect((await admin('DELETE', `/api/v1/users/${bob.id}/roles/${extra.body.id}`)).status).toBe(204);
    expect((await lifecycle(bob, 'expire_password')).status).toBe(200);
  });

  it('keeps one when two are taken out at the same moment, round after round', async () => {
    let survivor = bob;
    for (let round = 0; round < 6; round++) {
      const other = await superAdministrator();
      // Alternate the ways out: both roles removed, or one removed while the other is deactivated.
      const answers = await Promise.all([
        removeRole(survivor),
        round % 2 === 0 ? removeRole(other) : lifecycle(other, 'deactivate'),
      ]);
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 403)).toHaveLength(1);
      const refused = answers.find((answer) => answer.status === 403);
      if (refused) expectRefused(refused);
      const kept = statuses[0] === 403 ? survivor : other;
      expect(await holdsSuperAdmin(kept)).toBe(true);
      expect((await admin('GET', `/api/v1/users/${kept.id}`)).body.status).not.toBe('DEPROVISIONED');
      survivor = kept;
    }
  });
});
