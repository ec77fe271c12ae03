import { client, type DirectoryTestApp, startDirectoryTestApp } from '../../testing/directory-test-app';
import { PasswordAgeSweeper } from './password-age.sweeper';

const HASH =
  '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';
const DAY_MS = 86_400_000;

/**
 * The age sweep with policies scoped to groups: each user's password is held to their effective policy's
 * `maxAgeDays` (the first active policy by priority naming one of their groups, else the default), one pass
 * per policy over the password-age index.
 */
describe('the age-expiry sweep with group policies', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;
  let sweeper: PasswordAgeSweeper;
  const now = new Date();
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ env: { POLICY_SWEEP_INTERVAL_SECONDS: '0' } });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    sweeper = lapse.app.get(PasswordAgeSweeper);
    expect((await admin('PUT', '/api/v1/policies/password', { age: { maxAgeDays: 90 } })).status).toBe(200);
  });
  afterAll(() => lapse.close());

  async function group(name: string): Promise<string> {
    const created = await admin('POST', '/api/v1/groups', { profile: { name } });
    expect(created.status).toBe(200);
    return created.body.id;
  }

  async function user(lastChanged: Date, groupIds: string[] = []): Promise<string> {
    const login = `group-age-${Math.random().toString(36).slice(2)}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada' },
      credentials: {
        password: { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged: lastChanged.toISOString() },
      },
      groupIds,
    });
    expect(created.status).toBe(200);
    return created.body.id;
  }

  const statusOf = async (id: string) => (await admin('GET', `/api/v1/users/${id}`)).body.status;

  it("expires each password past its own policy's maximum age, and no other", async () => {
    const strict = await group('age-strict');
    const exempt = await group('age-never');
    const policy = (name: string, groupId: string, maxAgeDays: number, priority: number) =>
      admin('POST', '/api/v1/policies', {
        type: 'PASSWORD',
        name,
        priority,
        conditions: { people: { groups: { include: [groupId] } } },
        settings: { password: { age: { maxAgeDays } } },
      });
    expect((await policy('Strict age', strict, 1, 2)).status).toBe(200);
    expect((await policy('Never expires', exempt, 0, 1)).status).toBe(200);

    const strictMember = await user(daysAgo(2), [strict]);
    const nonMember = await user(daysAgo(2));
    const governedByTheFirst = await user(daysAgo(100), [strict, exempt]);
    const oldNonMember = await user(daysAgo(100));
    const oldStrictMember = await user(daysAgo(100), [strict]);

    const first = await sweeper.sweep(now);
    expect(first).toMatchObject({ expired: 3, yielded: false });
    expect(await statusOf(strictMember)).toBe('PASSWORD_EXPIRED');
    expect(await statusOf(oldStrictMember)).toBe('PASSWORD_EXPIRED');
    expect(await statusOf(oldNonMember)).toBe('PASSWORD_EXPIRED');
    expect(await statusOf(nonMember)).toBe('ACTIVE');
    expect(await statusOf(governedByTheFirst)).toBe('ACTIVE');
    expect((await sweeper.sweep(now)).expired).toBe(0);
  });
});
