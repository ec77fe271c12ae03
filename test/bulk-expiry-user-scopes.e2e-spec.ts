import { randomUUID } from 'node:crypto';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { statusOnceKnown } from './support/sign-in-status';

const EXPIRE = '/api/v1/users/lifecycle/expire_passwords';
const PASSWORD = 'Initial1pass';

/**
 * Bulk expiries scoped to an explicit set of users (`userIds`) or to the users a `filter` / `search` matches,
 * alone and combined with `providers` and `groupIds`, in the all-in-one app (embedded transport). With the
 * fan-out worker off, identity's fact alone (the cutoff and the set's chunks) must refuse exactly the scoped
 * users at sign-in; with it on, the job expires exactly them.
 */
describe('a bulk expiry scoped to users', () => {
  let lapse: TestApp;
  /** Unique per test run, so every expression matches only this spec's users. */
  const run = randomUUID().slice(0, 8);

  const signIn = async (username: string) =>
    (await lapse.request('POST', '/api/v1/authn', { username, password: PASSWORD })).body.status as string;
  const create = async (name: string, lastName = `Other${run}`, groupIds?: string[]) => {
    const login = `${name}.${run}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: name, lastName },
      credentials: { password: { value: PASSWORD } },
      groupIds,
    });
    expect(created.status).toBe(200);
    return { id: created.body.id as string, login };
  };
  /** Signs each in until identity has applied the fact (or gives up): their statuses. */
  async function statusesOnceExpired(logins: string[]): Promise<string[]> {
    let statuses: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      statuses = [];
      for (const login of logins) statuses.push(await signIn(login));
      if (statuses.every((status) => status === 'PASSWORD_EXPIRED')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return statuses;
  }
  const jobCount = async () => (await lapse.admin('GET', '/api/v1/jobs?limit=200')).body.length as number;

  describe('with the fan-out worker off (the fact alone enforces)', () => {
    beforeAll(async () => {
      lapse = await startTestApp({ env: { ...FAST_PASSWORD_HASHING, BULK_EXPIRY_WORKER: 'false' } });
    });
    afterAll(() => lapse.close());

    it('expires exactly the listed users, reporting unknown ids in a dry run and refusing them in a run', async () => {
      const listed = [await create('ids-a'), await create('ids-b')];
      const other = await create('ids-c');
      const unknown = randomUUID();

      const dry = await lapse.admin('POST', EXPIRE, {
        userIds: [...listed.map((user) => user.id), unknown],
        dryRun: true,
      });
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        dryRun: true,
        scopedUsers: 2,
        total: 2,
        unknownUserIds: { total: 1, first: [unknown] },
        perProvider: [
          { provider: 'OKTA', total: 2 },
          { provider: 'IMPORT', total: 0 },
        ],
      });

      const jobsBefore = await jobCount();
      const refused = await lapse.admin('POST', EXPIRE, { userIds: [listed[0].id, unknown] });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ errorCode: 'E0000001' });
      expect(refused.body.errorCauses[0].errorSummary).toBe(
        `userIds: 1 of the ids are no user's: ${unknown}`,
      );
      expect(await jobCount()).toBe(jobsBefore);
      expect(await statusOnceKnown(lapse, listed[0].login, PASSWORD)).toBe('SUCCESS');

      const job = await lapse.admin('POST', EXPIRE, { userIds: listed.map((user) => user.id) });
      expect(job.status).toBe(202);
      expect(job.body).toMatchObject({ total: 2, scopedUsers: 2, status: 'RUNNING' });
      expect(await statusesOnceExpired(listed.map((user) => user.login))).toEqual([
        'PASSWORD_EXPIRED',
        'PASSWORD_EXPIRED',
      ]);
      expect(await statusOnceKnown(lapse, other.login, PASSWORD)).toBe('SUCCESS');
    });

    it('expires the users a filter matched when the job started, and no one who matches later', async () => {
      const lastName = `Filtered${run}`;
      const matched = [await create('flt-a', lastName), await create('flt-b', lastName)];
      const other = await create('flt-c');
      const filter = `profile.lastName eq "${lastName}"`;

      const dry = await lapse.admin('POST', EXPIRE, { filter, dryRun: true });
      expect(dry.body).toMatchObject({ dryRun: true, filter, scopedUsers: 2, total: 2 });

      const job = await lapse.admin('POST', EXPIRE, { filter });
      expect(job.status).toBe(202);
      expect(job.body).toMatchObject({ filter, scopedUsers: 2, total: 2 });
      const later = await create('flt-later', lastName);
      expect(await statusesOnceExpired(matched.map((user) => user.login))).toEqual([
        'PASSWORD_EXPIRED',
        'PASSWORD_EXPIRED',
      ]);
      expect(await statusOnceKnown(lapse, other.login, PASSWORD)).toBe('SUCCESS');
      expect(await statusOnceKnown(lapse, later.login, PASSWORD)).toBe('SUCCESS');
      expect((await lapse.admin('GET', `/api/v1/jobs/${job.body.id}`)).body).toMatchObject({
        filter,
        scopedUsers: 2,
      });
    });

    it('intersects a search with groups and providers, counting per provider and per group', async () => {
      const lastName = `Searched${run}`;
      const group = (await lapse.admin('POST', '/api/v1/groups', { profile: { name: `Audit ${run}` } })).body
        .id as string;
      const both = await create('srch-both', lastName, [group]);
      const memberOnly = await create('srch-member', `Other${run}`, [group]);
      const searchedOnly = await create('srch-outside', lastName);
      const search = `profile.lastName eq "${lastName}" and status eq "ACTIVE"`;

      const dry = await lapse.admin('POST', EXPIRE, {
        search,
        groupIds: [group],
        providers: ['OKTA'],
        dryRun: true,
      });
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        search,
        groupIds: [group],
        scopedUsers: 2,
        total: 1,
        perProvider: [{ provider: 'OKTA', total: 1 }],
        perGroup: [{ groupId: group, total: 1 }],
      });

      const job = await lapse.admin('POST', EXPIRE, { search, groupIds: [group], providers: ['OKTA'] });
      expect(job.status).toBe(202);
      expect(job.body).toMatchObject({ total: 1, search, groupIds: [group] });
      expect(await statusesOnceExpired([both.login])).toEqual(['PASSWORD_EXPIRED']);
      expect(await statusOnceKnown(lapse, memberOnly.login, PASSWORD)).toBe('SUCCESS');
      expect(await statusOnceKnown(lapse, searchedOnly.login, PASSWORD)).toBe('SUCCESS');
    });

    it('intersects listed ids with a filter', async () => {
      const lastName = `Listed${run}`;
      const both = await create('mix-both', lastName);
      const listedOnly = await create('mix-listed');
      const filteredOnly = await create('mix-filtered', lastName);

      const job = await lapse.admin('POST', EXPIRE, {
        userIds: [both.id, listedOnly.id],
        filter: `profile.lastName eq "${lastName}"`,
      });
      expect(job.status).toBe(202);
      expect(job.body).toMatchObject({ scopedUsers: 1, total: 1 });
      expect(await statusesOnceExpired([both.login])).toEqual(['PASSWORD_EXPIRED']);
      expect(await statusOnceKnown(lapse, listedOnly.login, PASSWORD)).toBe('SUCCESS');
      expect(await statusOnceKnown(lapse, filteredOnly.login, PASSWORD)).toBe('SUCCESS');
    });

    it.each([
      ['filter', 'profile.lastName eq'],
      ['filter', 'profile.password eq "x"'],
      ['search', 'status eq "ACTIVE" and ('],
    ])('refuses the bad %s expression %j (400 E0000001) and starts nothing', async (name, expression) => {
      const jobsBefore = await jobCount();
      const response = await lapse.admin('POST', EXPIRE, { [name]: expression });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        errorCode: 'E0000001',
        errorCauses: [{ errorSummary: `${name}: Invalid search criteria` }],
      });
      expect(typeof response.body.errorId).toBe('string');
      expect(await jobCount()).toBe(jobsBefore);
    });

    it('takes 100,000 ids in one request (a body over the general 64 KB limit)', async () => {
      const user = await create('many');
      const userIds = [user.id, ...Array.from({ length: 99_999 }, () => randomUUID())];
      const response = await lapse.admin('POST', EXPIRE, { userIds, dryRun: true });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ scopedUsers: 1, total: 1, unknownUserIds: { total: 99_999 } });
      expect(response.body.unknownUserIds.first).toHaveLength(10);
    });

    it('refuses more than 100,000 ids (400 E0000001)', async () => {
      const userIds = Array.from({ length: 100_001 }, () => randomUUID());
      const response = await lapse.admin('POST', EXPIRE, { userIds, dryRun: true });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      expect(response.body.errorCauses.map((cause: { errorSummary: string }) => cause.errorSummary)).toEqual([
        expect.stringMatching(/^userIds: .*100000/),
      ]);
    });

    it('keeps the 64 KB limit on other routes (413)', async () => {
      const response = await lapse.admin('POST', '/api/v1/groups', {
        profile: { name: 'x', description: 'y'.repeat(70_000) },
      });
      expect(response.status).toBe(413);
    });
  });

  describe('with the fan-out worker running', () => {
    beforeAll(async () => {
      lapse = await startTestApp({ env: { ...FAST_PASSWORD_HASHING, BULK_EXPIRY_BATCH_SIZE: '2' } });
    });
    afterAll(() => lapse.close());

    it('expires exactly the listed users and completes with done equal to total', async () => {
      const listed = [await create('fan-a'), await create('fan-b'), await create('fan-c')];
      const others = [await create('fan-d'), await create('fan-e')];
      const job = await lapse.admin('POST', EXPIRE, { userIds: listed.map((user) => user.id) });
      expect(job.status).toBe(202);
      let body = job.body;
      for (let attempt = 0; attempt < 200 && body.status !== 'COMPLETED'; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        body = (await lapse.admin('GET', `/api/v1/jobs/${job.body.id}`)).body;
      }
      expect(body).toMatchObject({ status: 'COMPLETED', total: 3, done: 3, expired: 3, scopedUsers: 3 });
      for (const user of listed)
        expect((await lapse.admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('PASSWORD_EXPIRED');
      for (const user of others)
        expect((await lapse.admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('ACTIVE');
    });
  });
});
