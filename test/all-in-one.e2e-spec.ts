import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';

describe('the all-in-one app', () => {
  let lapse: TestApp;
  beforeAll(async () => {
    lapse = await startTestApp();
  });
  afterAll(() => lapse.close());

  it('reports ready once its database is migrated', async () => {
    const response = await fetch(`${lapse.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('answers unknown paths with an Okta error envelope', async () => {
    const response = await fetch(`${lapse.url}/api/v1/no-such-thing`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { errorId: string };
    expect(body).toMatchObject({ errorCode: 'E0000007', errorLink: 'E0000007', errorCauses: [] });
    expect(body.errorId).toMatch(/^oae/);
  });

  it('refuses a malformed JSON body with 400 and an oversized one with 413', async () => {
    const malformed = await fetch(`${lapse.url}/api/v1/authn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errorCode: string }).errorCode).toBe('E0000003');
    const oversized = await fetch(`${lapse.url}/api/v1/authn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'x'.repeat(100_000) }),
    });
    expect(oversized.status).toBe(413);
    expect(((await oversized.json()) as { errorCode: string }).errorCode).toBe('LAPSE0002');
  });
});
