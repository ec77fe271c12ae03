import { systemClock } from '@lapse/shared';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { queryRows } from '@lapse/shared/testing/test-database';
import { eventually } from '@lapse/shared/testing/wait-for';

const DAY_MS = 86_400_000;
const SHORT = 'Short-Pw-1234';
const LONG = 'A-Much-Longer-Pw-12345';

/**
 * A user's effective password policy in the all-in-one app (directory, identity and the notifier joined by
 * the embedded transport): a member of a group with a stricter policy (minLength 16, maxAgeDays 1) is held
 * to it by directory's password checks and identity's sign-in; a non-member keeps the default; leaving the
 * group gives the member the default again.
 */
describe("a user's effective password policy (all-in-one)", () => {
  let lapse: TestApp;
  let groupId: string;
  let policyId: string;
  let n = 0;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: { ...FAST_PASSWORD_HASHING, PASSWORD_POLICY_CACHE_MS: '0', POLICY_SWEEP_INTERVAL_SECONDS: '0' },
    });
    const group = await lapse.admin('POST', '/api/v1/groups', { profile: { name: `strict-${Date.now()}` } });
    expect(group.status).toBe(200);
    groupId = group.body.id;
    const policy = await lapse.admin('POST', '/api/v1/policies', {
      type: 'PASSWORD',
      name: `Strict ${Date.now()}`,
      conditions: { people: { groups: { include: [groupId] } } },
      settings: { password: { complexity: { minLength: 16 }, age: { maxAgeDays: 1 } } },
    });
    expect(policy.status).toBe(200);
    policyId = policy.body.id;
  });
  afterAll(() => lapse?.close());
  afterEach(() => jest.restoreAllMocks());

  const create = (password: string, groupIds?: string[]) => {
    const login = `effective.${++n}.${Date.now()}@example.com`;
    return lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Eve', lastName: 'Effective' },
      credentials: { password: { value: password } },
      ...(groupIds ? { groupIds } : {}),
    });
  };
  const signIn = (login: string, password: string) =>
    lapse.request('POST', '/api/v1/authn', { username: login, password });

  it("refuses a member a password the group's policy forbids, and takes it from a non-member", async () => {
    const member = await create(SHORT, [groupId]);
    expect(member.status).toBe(400);
    expect(member.body.errorCode).toBe('E0000001');
    expect(JSON.stringify(member.body.errorCauses)).toContain('at least 16 characters');
    expect((await create(SHORT)).status).toBe(200);

    const joined = await create(LONG, [groupId]);
    expect(joined.status).toBe(200);
    const changed = await lapse.admin('POST', `/api/v1/users/${joined.body.id}/credentials/change_password`, {
      oldPassword: { value: LONG },
      newPassword: { value: SHORT },
    });
    expect(changed.status).toBe(403);
    expect(JSON.stringify(changed.body.errorCauses)).toContain('at least 16 characters');

    const effective = await lapse.admin('GET', `/api/v1/users/${joined.body.id}/policies/password`);
    expect(effective.status).toBe(200);
    expect(effective.body).toMatchObject({
      id: policyId,
      settings: { password: { complexity: { minLength: 16 } } },
    });
  });

  it("expires a member's password at sign-in after the group's maxAgeDays, not a non-member's; leaving the group ends it", async () => {
    const member = await create(LONG, [groupId]);
    const other = await create(LONG);
    expect([member.status, other.status]).toEqual([200, 200]);
    const memberLogin = member.body.profile.login as string;
    const otherLogin = other.body.profile.login as string;
    for (const login of [memberLogin, otherLogin])
      expect(
        (
          await eventually(
            () => signIn(login, LONG),
            (a) => a.body.status === 'SUCCESS',
          )
        ).body.status,
      ).toBe('SUCCESS');

    const moved = Date.now() + 2 * DAY_MS;
    jest.spyOn(systemClock, 'now').mockImplementation(() => new Date(moved));
    const expired = await eventually(
      () => signIn(memberLogin, LONG),
      (a) => a.body.status === 'PASSWORD_EXPIRED',
    );
    expect(expired.body.status).toBe('PASSWORD_EXPIRED');
    expect(expired.body._embedded.policy.complexity.minLength).toBe(16);
    expect((await signIn(otherLogin, LONG)).body.status).toBe('SUCCESS');
    // The hosted sign-in's change page states the group policy's rules to the member.
    const form = await fetch(`${lapse.url}/signin`);
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0];
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const page = await fetch(`${lapse.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: lapse.url },
      body: new URLSearchParams({ username: memberLogin, password: LONG, csrfToken }).toString(),
    });
    const html = await page.text();
    expect(html).toContain('At least 16 characters');
    expect(html).not.toContain('At least 8 characters');

    const removed = await lapse.admin('DELETE', `/api/v1/groups/${groupId}/users/${member.body.id}`);
    expect(removed.status).toBe(204);
    const after = await eventually(
      () => signIn(memberLogin, LONG),
      (a) => a.body.status === 'SUCCESS',
    );
    expect(after.body.status).toBe('SUCCESS');
    const effective = await lapse.admin('GET', `/api/v1/users/${member.body.id}/policies/password`);
    expect(effective.body).toMatchObject({ id: 'default-password-policy', system: true });
    // Every consumer of the users topic took the policy's published fact (none parked it).
    const parked = await queryRows(
      lapse.databaseUrl,
      "SELECT consumer, reason FROM lapse_dead_letters WHERE event_type LIKE 'GroupPasswordPolicy%'",
    );
    expect(parked).toEqual([]);
  });
});
