import { Client } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

describe('admin authentication on the directory API', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ env: { ADMIN_RATE_LIMIT_PER_MINUTE: '1000' } });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
  });
  afterAll(() => lapse.close());

  it('answers 401 E0000011 without a token, with a wrong one, or with a Bearer token', async () => {
    for (const authorization of [null, 'SSWS 00notAToken', `Bearer ${lapse.adminToken}`]) {
      const response = await client(lapse.url, authorization)('GET', '/api/v1/users');
      expect(response.status).toBe(401);
      expect(response.body.errorCode).toBe('E0000011');
    }
  });

  it('creates a token with a role, shows it once and keeps only its SHA-256', async () => {
    const created = await admin('POST', '/api/v1/api-tokens', { name: 'reporting', role: 'READ_ONLY_ADMIN' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'reporting', role: 'READ_ONLY_ADMIN' });
    expect(created.body.token).toMatch(/^00[A-Za-z0-9_-]{40}$/);
    const listed = await admin('GET', '/api/v1/api-tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const db = new Client({ connectionString: lapse.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT row_to_json(t)::text AS row FROM directory_admin_tokens t');
    await db.end();
    expect(rows.map((r) => r.row).join('\n')).not.toContain(created.body.token);
  });

  it('lets a read-only token read but not write (403 E0000006)', async () => {
    const { body } = await admin('POST', '/api/v1/api-tokens', { name: 'auditor', role: 'READ_ONLY_ADMIN' });
    const readOnly = client(lapse.url, `SSWS ${body.token}`);
    expect((await readOnly('GET', '/api/v1/users')).status).toBe(200);
    const write = await readOnly('POST', '/api/v1/users', { profile: { login: 'nope@example.com' } });
    expect(write.status).toBe(403);
    expect(write.body.errorCode).toBe('E0000006');
  });

  it('refuses tokens to anyone but a super admin, and a revoked token stops working', async () => {
    const { body } = await admin('POST', '/api/v1/api-tokens', { name: 'helpdesk', role: 'USER_ADMIN' });
    const helpdesk = client(lapse.url, `SSWS ${body.token}`);
    expect((await helpdesk('POST', '/api/v1/api-tokens', { name: 'x', role: 'SUPER_ADMIN' })).status).toBe(
      403,
    );
    expect((await admin('DELETE', `/api/v1/api-tokens/${body.id}`)).status).toBe(204);
    expect((await helpdesk('GET', '/api/v1/users')).status).toBe(401);
  });

  it('introspects tokens for other services with the service credential only', async () => {
    const { body } = await admin('POST', '/api/v1/api-tokens', { name: 'ops', role: 'USER_ADMIN' });
    const service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
    const active = await service('POST', '/internal/v1/admin-tokens/introspect', { token: body.token });
    expect(active.body).toEqual({ active: true, tokenId: body.id, name: 'ops', role: 'USER_ADMIN' });
    expect((await service('POST', '/internal/v1/admin-tokens/introspect', { token: '00nope' })).body).toEqual(
      { active: false },
    );
    const withAdminToken = await admin('POST', '/internal/v1/admin-tokens/introspect', { token: body.token });
    expect(withAdminToken.status).toBe(401);
  });

  it('refuses internal routes without the service credential', async () => {
    const response = await admin('GET', '/internal/v1/policies/password');
    expect(response.status).toBe(401);
    expect(response.body.errorCode).toBe('E0000011');
  });
});

describe('admin rate limiting', () => {
  let lapse: DirectoryTestApp;
  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ env: { ADMIN_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => lapse.close());

  it('answers 429 E0000047 with X-Rate-Limit headers once a token exceeds its limit', async () => {
    const admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof admin>> | null = null;
    for (let i = 0; i < 5; i++) {
      last = await admin('GET', '/api/v1/users');
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses[4]).toBe(429);
    expect(last?.body.errorCode).toBe('E0000047');
    expect(last?.headers.get('x-rate-limit-limit')).toBe('3');
    expect(last?.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(Number(last?.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
  });
});
