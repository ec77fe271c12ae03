import { ApiError, type ApiClient } from './api-client';
import { type ImportRecord, userFromCsvRow } from './import-source';
import { importUsers, MAX_BATCH_BYTES, MAX_BATCH_USERS } from './import-users';

const HASH =
  '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';

async function* records(
  count: number,
  login = (i: number) => `user-${i}@example.com`,
): AsyncGenerator<ImportRecord> {
  for (let i = 0; i < count; i++) {
    yield {
      at: `line ${i + 2}`,
      user: userFromCsvRow({ login: login(i), email: login(i), firstName: 'Ada', passwordHash: HASH }),
    };
  }
}

/** The import route's body limit: `'5.5mb'` in LARGE_BODY_ROUTES (libs/shared/src/http/configure-app.ts). */
const ROUTE_LIMIT_BYTES = 5.5 * 1024 * 1024;

/**
 * Lapse's import route as far as batching sees it: its body limit and 1,000 users, all or none, and a
 * refusal naming the users it will not take (logins in `refused`).
 */
function fakeApi(refused: ReadonlySet<string> = new Set()) {
  const bodies: string[] = [];
  const created: string[] = [];
  const api = {
    request: async (_method: string, _path: string, options: { rawBody: string }) => {
      bodies.push(options.rawBody);
      if (Buffer.byteLength(options.rawBody) > ROUTE_LIMIT_BYTES)
        throw new ApiError(413, { errorSummary: 'too large' });
      const users = JSON.parse(options.rawBody).users as { profile: { login: string } }[];
      if (users.length > MAX_BATCH_USERS) throw new ApiError(400, { errorSummary: 'too many' });
      const bad = users.findIndex((user) => refused.has(user.profile.login));
      if (bad >= 0) {
        throw new ApiError(400, {
          errorCode: 'E0000001',
          errorSummary: 'Api validation failed',
          errorCauses: [{ errorSummary: `users.${bad}.profile.login: is refused` }],
        });
      }
      created.push(...users.map((user) => user.profile.login));
      return { status: 200, body: {}, headers: new Headers() };
    },
  } as unknown as ApiClient;
  return { api, bodies, created };
}

describe('importing users in batches', () => {
  it('sends every user once, 1,000 a request, in bodies below the route limit', async () => {
    const { api, bodies, created } = fakeApi();
    const summary = await importUsers(api, records(2_500), { activate: true });
    expect(summary).toMatchObject({ created: 2_500, failed: 0, requests: 3 });
    expect(bodies.map((body) => JSON.parse(body).users.length)).toEqual([1_000, 1_000, 500]);
    expect(Math.max(...bodies.map((body) => Buffer.byteLength(body)))).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(MAX_BATCH_BYTES).toBeLessThan(ROUTE_LIMIT_BYTES);
    expect(new Set(created).size).toBe(2_500);
  });

  it('sends fewer than 1,000 a request when their bodies would pass the byte limit', async () => {
    const { api, bodies, created } = fakeApi();
    const long = (i: number) => `${'x'.repeat(6_000)}-${i}@example.com`;
    const summary = await importUsers(api, records(1_000, long), { activate: true });
    expect(summary).toMatchObject({ created: 1_000, failed: 0 });
    expect(bodies.length).toBeGreaterThan(1);
    expect(Math.max(...bodies.map((body) => Buffer.byteLength(body)))).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(new Set(created).size).toBe(1_000);
  });

  it('splits a refused batch until each refused user is alone, creating all the others', async () => {
    const { api, created } = fakeApi(new Set(['user-17@example.com', 'user-150@example.com']));
    const summary = await importUsers(api, records(300), { activate: true });
    expect(summary.created).toBe(298);
    expect(summary.failures).toEqual([
      { at: 'line 19', login: 'user-17@example.com', reason: 'profile.login: is refused' },
      { at: 'line 152', login: 'user-150@example.com', reason: 'profile.login: is refused' },
    ]);
    expect(created).not.toContain('user-17@example.com');
  });

  it('stops at a refusal that is not about the users (a revoked token)', async () => {
    const api = {
      request: async () => {
        throw new ApiError(401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
      },
    } as unknown as ApiClient;
    await expect(importUsers(api, records(10), { activate: true })).rejects.toThrow(/E0000011/);
  });
});

describe('a CSV row', () => {
  it("becomes Okta's import-with-hash shape, empty cells left out", () => {
    expect(
      userFromCsvRow({
        login: 'ada@example.com',
        email: '',
        passwordHash: HASH,
        passwordLastChanged: '2025-01-01T00:00:00Z',
        provider: 'IMPORT',
        groupIds: 'a; b',
      }),
    ).toEqual({
      profile: { login: 'ada@example.com' },
      credentials: {
        password: { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged: '2025-01-01T00:00:00Z' },
        provider: { type: 'IMPORT' },
      },
      groupIds: ['a', 'b'],
    });
  });
});
