import { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { client, type DirectoryTestApp, startDirectoryTestApp } from './testing/directory-test-app';

/** Okta's official Node SDK (v7) as the client, over plain http to the running directory. */
describe("Okta's Node SDK against Lapse", () => {
  let lapse: DirectoryTestApp;
  let okta: OktaClient;
  let service: ReturnType<typeof client>;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    // `testing.disableHttpsCheck` is read by the SDK but missing from its type declarations.
    const config = { orgUrl: lapse.url, token: lapse.adminToken, testing: { disableHttpsCheck: true } };
    okta = new OktaClient(config as ConstructorParameters<typeof OktaClient>[0]);
    service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
  });
  afterAll(() => lapse.close());

  const createUser = (login: string) =>
    okta.userApi.createUser({
      body: {
        profile: { login, email: login, firstName: 'Sdk', lastName: 'User' },
        credentials: { password: { value: 'Initial1pass' } },
      },
      activate: true,
    });

  it('creates and gets a user', async () => {
    const created = await createUser('sdk.create@example.com');
    expect(created.id).toBeTruthy();
    expect(created.status).toBe('ACTIVE');
    const fetched = await okta.userApi.getUser({ userId: created.id as string });
    expect(fetched.profile?.login).toBe('sdk.create@example.com');
    expect(fetched.credentials?.provider?.type).toBe('OKTA');
  });

  it('expires a password', async () => {
    const user = await createUser('sdk.expire@example.com');
    const expired = await okta.userApi.expirePassword({ userId: user.id as string });
    expect(expired.status).toBe('PASSWORD_EXPIRED');
  });

  it('expires with a temporary password and gets the temporary password back', async () => {
    const user = await createUser('sdk.temp@example.com');
    const temp = await okta.userApi.expirePasswordAndGetTemporaryPassword({
      userId: user.id as string,
      revokeSessions: true,
    });
    expect(temp.tempPassword?.length).toBeGreaterThanOrEqual(12);
    const state = await service('GET', `/internal/v1/users/${user.id}/credential-state`);
    expect(state.body.oneTimePassword).not.toBeNull();
  });

  it('creates a reset-password link', async () => {
    const user = await createUser('sdk.reset@example.com');
    const reset = await okta.userApi.generateResetPasswordToken({
      userId: user.id as string,
      sendEmail: false,
    });
    expect(reset.resetPasswordUrl).toMatch(/\/reset_password\//);
    expect((await okta.userApi.getUser({ userId: user.id as string })).status).toBe('RECOVERY');
  });

  it('unlocks a locked-out user', async () => {
    const user = await createUser('sdk.unlock@example.com');
    await service('POST', `/internal/v1/users/${user.id}/lifecycle/lock`);
    await okta.userApi.unlockUser({ userId: user.id as string });
    expect((await okta.userApi.getUser({ userId: user.id as string })).status).toBe('ACTIVE');
  });

  it('changes a password', async () => {
    const user = await createUser('sdk.change@example.com');
    const credentials = await okta.userApi.changePassword({
      userId: user.id as string,
      changePasswordRequest: {
        oldPassword: { value: 'Initial1pass' },
        newPassword: { value: 'Changed9pass' },
      },
    });
    expect(credentials.provider?.type).toBe('OKTA');
  });

  it('updates a user: a partial profile change and a password the admin sets', async () => {
    const user = await createUser('sdk.update@example.com');
    const before = await service('GET', `/internal/v1/users/${user.id}/credential-state`);
    const updated = await okta.userApi.updateUser({
      userId: user.id as string,
      user: {
        profile: { login: 'sdk.updated@example.com', lastName: 'Renamed' },
        credentials: { password: { value: 'Admin-Set-Pass-7' } },
      },
    });
    expect(updated.status).toBe('ACTIVE');
    expect(updated.profile).toMatchObject({
      login: 'sdk.updated@example.com',
      email: 'sdk.update@example.com',
      firstName: 'Sdk',
      lastName: 'Renamed',
    });
    const state = await service('GET', `/internal/v1/users/${user.id}/credential-state`);
    expect(state.body.login).toBe('sdk.updated@example.com');
    expect(state.body.passwordHash).not.toBe(before.body.passwordHash);
  });

  it('surfaces Okta errors: a wrong old password is E0000014', async () => {
    const user = await createUser('sdk.wrong@example.com');
    await expect(
      okta.userApi.changePassword({
        userId: user.id as string,
        changePasswordRequest: {
          oldPassword: { value: 'Wrong1pass' },
          newPassword: { value: 'Changed9pass' },
        },
      }),
    ).rejects.toMatchObject({ status: 403, errorCode: 'E0000014' });
  });

  it('lists users through the SDK collection, following Link rel="next"', async () => {
    const logins: string[] = [];
    const collection = await okta.userApi.listUsers({ limit: 2 });
    await collection.each((user) => {
      logins.push(user.profile?.login as string);
    });
    expect(logins).toEqual(expect.arrayContaining(['sdk.create@example.com', 'sdk.change@example.com']));
    expect(logins.length).toBeGreaterThanOrEqual(7);
  });
});
