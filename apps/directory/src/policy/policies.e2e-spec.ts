import { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

/** Okta's Policy API for the org's password policy, through plain HTTP and Okta's Node SDK `policyApi`. */
describe("Okta's Policy API for passwords", () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;
  let okta: OktaClient;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    const config = { orgUrl: lapse.url, token: lapse.adminToken, testing: { disableHttpsCheck: true } };
    okta = new OktaClient(config as ConstructorParameters<typeof OktaClient>[0]);
  });
  afterAll(() => lapse.close());

  it('lists the default password policy for type=PASSWORD, and nothing for other types', async () => {
    const listed = await admin('GET', '/api/v1/policies?type=PASSWORD');
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).toMatchObject({
      type: 'PASSWORD',
      system: true,
      status: 'ACTIVE',
      conditions: { people: { groups: { include: ['EVERYONE'] } } },
      settings: { password: (await admin('GET', '/api/v1/policies/password')).body },
    });
    expect((await admin('GET', '/api/v1/policies?type=OKTA_SIGN_ON')).body).toEqual([]);
    expect((await admin('GET', '/api/v1/policies')).body.errorCode).toBe('E0000001');
    expect((await admin('GET', '/api/v1/policies/00pnope')).status).toBe(404);
  });

  it("reads and replaces it with the SDK's policyApi; the alias reads the change", async () => {
    const [listed] = await collect(await okta.policyApi.listPolicies({ type: 'PASSWORD' }));
    const policyId = listed.id as string;
    const policy = (await okta.policyApi.getPolicy({ policyId })) as unknown as {
      settings: { password: { age: { maxAgeDays: number } } };
    };
    policy.settings.password.age.maxAgeDays = 45;
    const replaced = (await okta.policyApi.replacePolicy({
      policyId,
      policy: policy as never,
    })) as unknown as { settings: { password: { age: { maxAgeDays: number } } } };
    expect(replaced.settings.password.age.maxAgeDays).toBe(45);
    expect((await admin('GET', '/api/v1/policies/password')).body.age.maxAgeDays).toBe(45);
    const audit = await admin(
      'GET',
      `/api/v1/logs?filter=${encodeURIComponent('eventType eq "policy.lifecycle.update"')}`,
    );
    expect(audit.body.length).toBeGreaterThan(0);
  });

  it('refuses a bad setting (400 E0000001) changing nothing, and a read-only admin (403)', async () => {
    const before = (await admin('GET', '/api/v1/policies/password')).body;
    const policyId = (await admin('GET', '/api/v1/policies?type=PASSWORD')).body[0].id;
    const bad = await admin('PUT', `/api/v1/policies/${policyId}`, {
      settings: { password: { complexity: { minLength: 2 } } },
    });
    expect(bad.status).toBe(400);
    expect((await admin('GET', '/api/v1/policies/password')).body).toEqual(before);
    const token = await admin('POST', '/api/v1/api-tokens', { name: 'reader', role: 'READ_ONLY_ADMIN' });
    const reader = client(lapse.url, `SSWS ${token.body.token}`);
    expect((await reader('GET', `/api/v1/policies/${policyId}`)).status).toBe(200);
    expect((await reader('PUT', `/api/v1/policies/${policyId}`, { settings: { password: {} } })).status).toBe(
      403,
    );
  });
});

async function collect<T>(collection: { each: (f: (item: T) => void) => Promise<unknown> }): Promise<T[]> {
  const items: T[] = [];
  await collection.each((item) => {
    items.push(item);
  });
  return items;
}
