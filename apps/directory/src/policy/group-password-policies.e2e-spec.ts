import { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

/**
 * Okta's Policy API beyond the default: password policies scoped to groups, created, listed in priority
 * order (the default always last), replaced, deactivated and deleted, through plain HTTP and Okta's Node SDK.
 */
describe('password policies scoped to groups', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;
  let okta: OktaClient;
  let n = 0;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    const config = { orgUrl: lapse.url, token: lapse.adminToken, testing: { disableHttpsCheck: true } };
    okta = new OktaClient(config as ConstructorParameters<typeof OktaClient>[0]);
  });
  afterAll(() => lapse.close());

  async function group(): Promise<string> {
    const created = await admin('POST', '/api/v1/groups', {
      profile: { name: `policy-group-${++n}-${Date.now()}` },
    });
    expect(created.status).toBe(200);
    return created.body.id;
  }

  const policyBody = (name: string, groupId: string, extra: object = {}) => ({
    type: 'PASSWORD',
    name,
    conditions: { people: { groups: { include: [groupId] } }, authProvider: { provider: 'OKTA' } },
    settings: { password: { complexity: { minLength: 16 }, age: { maxAgeDays: 1 } } },
    ...extra,
  });

  const audited = async (eventType: string, policyId: string) =>
    (
      await admin('GET', `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "${eventType}"`)}`)
    ).body.filter((entry: { target: { id: string }[] }) =>
      entry.target.some((target) => target.id === policyId),
    );

  it('creates a policy for a group, lists policies by priority with the default last, and audits each change', async () => {
    const finance = await group();
    const first = await admin('POST', '/api/v1/policies', policyBody(`Finance ${n}`, finance));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      type: 'PASSWORD',
      status: 'ACTIVE',
      system: false,
      conditions: { people: { groups: { include: [finance] } }, authProvider: { provider: 'OKTA' } },
      settings: { password: { complexity: { minLength: 16, minNumber: 1 }, age: { maxAgeDays: 1 } } },
    });
    const top = await admin('POST', '/api/v1/policies', policyBody(`Top ${n}`, finance, { priority: 1 }));
    expect(top.status).toBe(200);

    const listed = (await admin('GET', '/api/v1/policies?type=PASSWORD')).body as {
      id: string;
      priority: number;
      system: boolean;
    }[];
    expect(listed.map((policy) => policy.priority)).toEqual(listed.map((_, index) => index + 1));
    expect(listed.at(-1)).toMatchObject({ id: 'default-password-policy', system: true });
    const ids = listed.map((policy) => policy.id);
    expect(ids.indexOf(top.body.id)).toBeLessThan(ids.indexOf(first.body.id));
    expect(await audited('policy.lifecycle.create', first.body.id)).toHaveLength(1);

    const replaced = await admin('PUT', `/api/v1/policies/${first.body.id}`, {
      ...first.body,
      name: `Finance renamed ${n}`,
      settings: { password: { complexity: { minLength: 20 } } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      name: `Finance renamed ${n}`,
      settings: { password: { complexity: { minLength: 20 }, age: { maxAgeDays: 1 } } },
    });
    expect(await audited('policy.lifecycle.update', first.body.id)).toHaveLength(1);

    expect((await admin('POST', `/api/v1/policies/${first.body.id}/lifecycle/deactivate`)).status).toBe(204);
    expect((await admin('GET', `/api/v1/policies/${first.body.id}`)).body.status).toBe('INACTIVE');
    const active = (await admin('GET', '/api/v1/policies?type=PASSWORD&status=ACTIVE')).body as {
      id: string;
    }[];
    expect(active.map((policy) => policy.id)).not.toContain(first.body.id);

    expect((await admin('DELETE', `/api/v1/policies/${first.body.id}`)).status).toBe(204);
    expect((await admin('GET', `/api/v1/policies/${first.body.id}`)).status).toBe(404);
    expect(await audited('policy.lifecycle.delete', first.body.id)).toHaveLength(1);
  });

  it('refuses to delete or deactivate the default policy, a policy for an unknown group, and a taken name', async () => {
    const refused = await admin('DELETE', '/api/v1/policies/default-password-policy');
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('E0000001');
    expect(refused.body.errorCauses[0].errorSummary).toContain('default policy cannot be deleted');
    expect(
      (await admin('POST', '/api/v1/policies/default-password-policy/lifecycle/deactivate')).status,
    ).toBe(400);
    expect((await admin('GET', '/api/v1/policies/default-password-policy')).body.status).toBe('ACTIVE');

    const unknown = await admin(
      'POST',
      '/api/v1/policies',
      policyBody('Nobody', '00000000-0000-4000-8000-000000000000'),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.errorCauses[0].errorSummary).toContain('is not a group');

    const ops = await group();
    const name = `Ops ${n}`;
    expect((await admin('POST', '/api/v1/policies', policyBody(name, ops))).status).toBe(200);
    const taken = await admin('POST', '/api/v1/policies', policyBody(name.toUpperCase(), ops));
    expect(taken.status).toBe(400);
    expect(taken.body.errorCode).toBe('E0000001');
    const noGroups = await admin('POST', '/api/v1/policies', {
      ...policyBody('Empty', ops),
      conditions: { people: { groups: { include: [] } } },
    });
    expect(noGroups.status).toBe(400);
  });

  it("creates, lists, replaces, deactivates, activates and deletes a group policy with the SDK's policyApi", async () => {
    const groupId = await group();
    const created = (await okta.policyApi.createPolicy({
      policy: policyBody(`SDK ${n}`, groupId) as never,
    })) as unknown as { id: string; name: string };
    expect(created.name).toBe(`SDK ${n}`);
    const listed: { id?: string }[] = [];
    await (await okta.policyApi.listPolicies({ type: 'PASSWORD' })).each((policy) => {
      listed.push(policy);
    });
    expect(listed.map((policy) => policy.id)).toContain(created.id);
    const policy = (await okta.policyApi.getPolicy({ policyId: created.id })) as unknown as {
      settings: { password: { age: { maxAgeDays: number } } };
    };
    policy.settings.password.age.maxAgeDays = 3;
    const replaced = (await okta.policyApi.replacePolicy({
      policyId: created.id,
      policy: policy as never,
    })) as unknown as { settings: { password: { age: { maxAgeDays: number } } }; conditions: unknown };
    expect(replaced.settings.password.age.maxAgeDays).toBe(3);
    expect(replaced.conditions).toMatchObject({ people: { groups: { include: [groupId] } } });

    await okta.policyApi.deactivatePolicy({ policyId: created.id });
    expect((await admin('GET', `/api/v1/policies/${created.id}`)).body.status).toBe('INACTIVE');
    await okta.policyApi.activatePolicy({ policyId: created.id });
    expect((await admin('GET', `/api/v1/policies/${created.id}`)).body.status).toBe('ACTIVE');
    await okta.policyApi.deletePolicy({ policyId: created.id });
    expect((await admin('GET', `/api/v1/policies/${created.id}`)).status).toBe(404);
  });
});
