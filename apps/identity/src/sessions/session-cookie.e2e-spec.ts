import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

const SITE = 'https://lapse.example';
const PASSWORD = 'Correct-Horse-7';

/**
 * The session cookie and the sign-in routes as a browser meets them, on the real all-in-one app served as
 * `https://lapse.example` behind a proxy on the loopback interface (`TRUST_PROXY=loopback`, so each spec
 * speaks from its own `X-Forwarded-For` address).
 */
describe('the session cookie and the sign-in edge', () => {
  let lapse: TestApp;
  let login: string;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: {
        PUBLIC_URL: SITE,
        TRUST_PROXY: 'loopback',
        AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '5',
        // One user signs in back to back here; the per-username limit has its own specs.
        AUTHN_RATE_LIMIT_PER_SECOND: '100',
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
      },
    });
    login = `cookie-${Date.now()}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    const ready = await eventually(
      () =>
        lapse.request('POST', '/api/v1/authn', { username: login, password: PASSWORD }, from('198.51.100.1')),
      (answer) => answer.body.status === 'SUCCESS',
    );
    expect(ready.body.status).toBe('SUCCESS');
  }, 60_000);
  afterAll(() => lapse?.close());

  const from = (address: string, headers: Record<string, string> = {}) => ({
    'x-forwarded-for': address,
    ...headers,
  });

  /** A form post, as a page's `<form method=post>` sends it. */
  const formPost = (headers: Record<string, string>) =>
    fetch(`${lapse.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ username: login, password: PASSWORD }).toString(),
    });

  describe('login CSRF', () => {
    it('refuses a form posted from a foreign origin (403 E0000006) and sets no cookie', async () => {
      const answer = await formPost(from('198.51.100.2', { origin: 'https://evil.example' }));
      expect(answer.status).toBe(403);
      expect(((await answer.json()) as { errorCode: string }).errorCode).toBe('E0000006');
      expect(answer.headers.get('set-cookie')).toBeNull();
    });

    it('refuses a cross-site request without Origin (Sec-Fetch-Site) and an opaque Origin', async () => {
      const crossSite = await formPost(from('198.51.100.3', { 'sec-fetch-site': 'cross-site' }));
      expect(crossSite.status).toBe(403);
      const opaque = await formPost(from('198.51.100.3', { origin: 'null' }));
      expect(opaque.status).toBe(403);
    });

    it("signs in from the site's own origin with a Secure, HttpOnly, SameSite=Lax cookie", async () => {
      const answer = await formPost(from('198.51.100.4', { origin: SITE, 'sec-fetch-site': 'same-origin' }));
      expect(answer.status).toBe(200);
      const cookie = answer.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
    });

    it('lets a server sign in without Origin or Sec-Fetch-Site (the Okta SDK)', async () => {
      const answer = await lapse.request(
        'POST',
        '/api/v1/sessions',
        { username: login, password: PASSWORD },
        from('198.51.100.5'),
      );
      expect(answer.status).toBe(200);
    });

    it('reads and ends the cookie session only for the site itself', async () => {
      const signedIn = await formPost(from('198.51.100.6', { origin: SITE }));
      const sid = (signedIn.headers.get('set-cookie') ?? '').split(';')[0];
      const me = (headers: Record<string, string>, method = 'GET') =>
        fetch(`${lapse.url}/api/v1/sessions/me`, { method, headers: { cookie: sid, ...headers } });
      expect((await me({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await me({ origin: 'https://evil.example' }, 'DELETE')).status).toBe(403);
      const own = await me({ 'sec-fetch-site': 'same-origin' });
      expect(own.status).toBe(200);
      expect(own.headers.get('cache-control')).toBe('no-store');
      expect((await me({ origin: SITE }, 'DELETE')).status).toBe(204);
      expect((await me({})).status).toBe(404);
    });
  });

  describe('headers', () => {
    it('never lets a token or session id be cached, and says nosniff on every answer', async () => {
      const authn = await lapse.request(
        'POST',
        '/api/v1/authn',
        { username: login, password: PASSWORD },
        from('198.51.100.7'),
      );
      expect(authn.body.sessionToken).toEqual(expect.any(String));
      expect(authn.headers.get('cache-control')).toBe('no-store');
      expect(authn.headers.get('x-content-type-options')).toBe('nosniff');
      const missing = await lapse.request('GET', '/api/v1/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('cache-control')).toBe('no-store');
      expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
      const health = await fetch(`${lapse.url}/health/ready`);
      expect(health.headers.get('x-content-type-options')).toBe('nosniff');
      const page = await fetch(`${lapse.url}/reset_password/some-token`);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('rate limits', () => {
    it('limits one client address across usernames, with the tightest limit in the headers', async () => {
      const attempt = (username: string, address = '203.0.113.50') =>
        lapse.request('POST', '/api/v1/authn', { username, password: 'Wrong-Pass-1' }, from(address));
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await attempt(`someone-${i}@example.com`));
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401]);
      expect(answers[3].headers.get('x-rate-limit-limit')).toBe('5');
      expect(answers[3].headers.get('x-rate-limit-remaining')).toBe('1');
      const refused = await attempt('someone-else@example.com');
      expect(refused.status).toBe(429);
      expect(refused.body.errorCode).toBe('E0000047');
      expect(refused.headers.get('x-rate-limit-remaining')).toBe('0');
      const reset = Number(refused.headers.get('x-rate-limit-reset'));
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
      expect((await attempt('someone-else@example.com', '203.0.113.51')).status).toBe(401);
    });

    it('logs the address the trusted proxy forwarded', async () => {
      const typed = `forwarded-${Date.now()}@example.com`;
      await lapse.request(
        'POST',
        '/api/v1/authn',
        { username: typed, password: 'Wrong-Pass-1' },
        from('203.0.113.77'),
      );
      const logs = await eventually(
        () =>
          lapse.admin('GET', `/api/v1/logs?filter=${encodeURIComponent(`target.alternateId eq "${typed}"`)}`),
        (answer) => answer.body.length === 1,
      );
      expect(logs.body[0].client).toEqual({ ipAddress: '203.0.113.77' });
    });
  });
});
