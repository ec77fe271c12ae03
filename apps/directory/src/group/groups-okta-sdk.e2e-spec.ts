import { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

/** Okta's official Node SDK (v7) `groupApi` (and `userApi.listUserGroups`) against the running directory. */
describe("Okta's Node SDK groupApi against Lapse", () => {
  let lapse: DirectoryTestApp;
  let okta: OktaClient;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    // `testing.disableHttpsCheck` is read by the SDK but missing from its type declarations.
    const config = { orgUrl: lapse.url, token: lapse.adminToken, testing: { disableHttpsCheck: true } };
    okta = new OktaClient(config as ConstructorParameters<typeof OktaClient>[0]);
  });
  afterAll(() => lapse.close());

  it('creates, reads, renames, searches and deletes a group', async () => {
    const created = await okta.groupApi.createGroup({
      group: { profile: { name: 'SDK Finance', description: 'from the SDK' } },
    });
    const groupId = created.id as string;
    expect(created.type).toBe('OKTA_GROUP');
    expect((await okta.groupApi.getGroup({ groupId })).profile?.name).toBe('SDK Finance');

    const replaced = await okta.groupApi.replaceGroup({
      groupId,
      group: { profile: { name: 'SDK Finance EU', description: 'renamed' } },
    });
    expect(replaced.profile?.name).toBe('SDK Finance EU');

    const found: string[] = [];
    await (await okta.groupApi.listGroups({ q: 'sdk fin' })).each((group) => {
      found.push(group.id as string);
    });
    expect(found).toEqual([groupId]);

    await okta.groupApi.deleteGroup({ groupId });
    await expect(okta.groupApi.getGroup({ groupId })).rejects.toMatchObject({
      status: 404,
      errorCode: 'E0000007',
    });
  });

  it('assigns and unassigns a user, listing the group’s users and the user’s groups', async () => {
    const group = await okta.groupApi.createGroup({ group: { profile: { name: 'SDK Members' } } });
    const groupId = group.id as string;
    const user = await okta.userApi.createUser({
      body: { profile: { login: 'sdk.member@example.com', email: 'sdk.member@example.com' } },
      activate: false,
    });
    const userId = user.id as string;
    await okta.groupApi.assignUserToGroup({ groupId, userId });

    const members: string[] = [];
    await (await okta.groupApi.listGroupUsers({ groupId, limit: 1 })).each((member) => {
      members.push(member.profile?.login as string);
    });
    expect(members).toEqual(['sdk.member@example.com']);
    const groups: string[] = [];
    await (await okta.userApi.listUserGroups({ userId })).each((held) => {
      groups.push(held.id as string);
    });
    expect(groups).toEqual([groupId]);

    await okta.groupApi.unassignUserFromGroup({ groupId, userId });
    const after: string[] = [];
    await (await okta.groupApi.listGroupUsers({ groupId })).each((member) => {
      after.push(member.id as string);
    });
    expect(after).toEqual([]);
  });
});
