import { systemClock } from '@lapse/shared';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

/**
 * The hosted sign-in over HTTP, as a browser would post its forms (all-in-one app, real PostgreSQL): its
 * headers, its CSRF and Origin checks, where it redirects, and the messages a person reads when they
 * cannot sign in. The flows themselves run in Chromium (hosted-sign-in.browser-spec.ts).
 */
describe('the hosted sign-in over HTTP', () => {
  let lapse: TestApp;
  let n = 0;

  beforeAll(async () => {
    lapse = await startTestApp({
      env: {
        ...FAST_PASSWORD_HASHING,
        AUTHN_RATE_LIMIT_PER_SECOND: '100',
        SIGN_IN_REDIRECT_ORIGINS: 'https://app.example.com',
      },
    });
  });
  afterAll(() => lapse?.close());
  afterEach(() => jest.restoreAllMocks());

  const PASSWORD = 'Hosted-Pw-2024!';

  async function newUser() {
    const login = `lin.${++n}.${Date.now()}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Lin', lastName: 'Ye' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    const known = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: login, password: PASSWORD }),
      (answer) => answer.status === 200,
    );
    expect(known.status).toBe(200);
    return { id: created.body.id as string, login };
  }

  /** A browser's visit: the form page, its binding cookie and CSRF token. */
  async function openForm(path = '/signin') {
    const page = await fetch(`${lapse.url}${path}`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const html = await page.text();
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(html)?.[1] ?? '';
    return { page, cookie, html, csrfToken };
  }

  async function post(path: string, cookie: string, fields: Record<string, string>, origin = lapse.url) {
    const response = await fetch(`${lapse.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
      body: new URLSearchParams(fields).toString(),
    });
    return { response, html: await response.text() };
  }

  /** The sign-in form posted as the browser that opened `form` would. */
  const signInWith = (
    form: { cookie: string; csrfToken: string },
    username: string,
    password: string,
    more: Record<string, string> = {},
  ) => post('/signin', form.cookie, { username, password, csrfToken: form.csrfToken, ...more });

  it('serves the form with a strict CSP that lets it end on the allowed origins, never cached', async () => {
    const { page, cookie, html, csrfToken } = await openForm();
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const csp = page.headers.get('content-security-policy') as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self' https://app.example.com");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/^lapse_form=/);
    expect(csrfToken).not.toBe('');
    expect(html).toContain('<label for="username">');
    expect(html).toContain('href="/signin/forgot-password"');
  });

  it('redirects to an allowed fromURI with the session cookie, and ignores one on another origin', async () => {
    const { login } = await newUser();
    const form = await openForm();
    const allowed = await signInWith(form, login, PASSWORD, { fromURI: 'https://app.example.com/welcome' });
    expect(allowed.response.status).toBe(303);
    expect(allowed.response.headers.get('location')).toBe('https://app.example.com/welcome');
    expect(allowed.response.headers.get('set-cookie')).toMatch(/sid=[A-Za-z0-9_-]{43}; .*HttpOnly/i);

    for (const fromURI of ['https://evil.example.net/', '//evil.example.net/x', `${lapse.url}/signin/done`]) {
      const again = await signInWith(form, login, PASSWORD, { fromURI });
      expect(again.response.status).toBe(303);
      // PUBLIC_URL's origin is not in this app's allow-list either: only app.example.com is.
      expect(again.response.headers.get('location')).toBe('/signin/done');
    }
  });

  it('refuses a post without the CSRF token, with another browser’s token, or from another site, before signing in', async () => {
    const { login } = await newUser();
    const form = await openForm();
    const other = await openForm();
    const fields = { username: login, password: PASSWORD };
    const refusals = [
      await post('/signin', form.cookie, fields),
      await post('/signin', form.cookie, { ...fields, csrfToken: other.csrfToken }),
      await post(
        '/signin',
        form.cookie,
        { ...fields, csrfToken: form.csrfToken },
        'https://evil.example.net',
      ),
    ];
    for (const refusal of refusals) {
      expect(refusal.response.status).toBe(403);
      expect(refusal.response.headers.get('set-cookie') ?? '').not.toContain('sid=');
      expect(refusal.html).toContain('The form was out of date');
    }
  });

  it('tells a locked-out user what to do', async () => {
    const { id, login } = await newUser();
    for (let attempt = 0; attempt < 10; attempt += 1)
      await lapse.request('POST', '/api/v1/authn', { username: login, password: 'Wrong-Pw-2024!' });
    // A failure is recorded just after its answer has gone out: wait until the lockout is (directory says
    // LOCKED_OUT once identity has it) rather than race the last one with the right password.
    const user = await eventually(
      () => lapse.admin('GET', `/api/v1/users/${id}`),
      (answer) => answer.body.status === 'LOCKED_OUT',
    );
    expect(user.body.status).toBe('LOCKED_OUT');
    const form = await openForm();
    const locked = await signInWith(form, login, PASSWORD);
    expect(locked.response.status).toBe(403);
    expect(locked.html).toContain('Your account is locked');
    expect(locked.html).toContain('Ask your administrator to unlock it.');
  });

  it('tells a user whose temporary password lapsed to ask for a new one', async () => {
    const { id, login } = await newUser();
    const issued = await lapse.admin(
      'POST',
      `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password`,
    );
    expect(issued.status).toBe(200);
    const tempPassword = issued.body.tempPassword as string;
    const form = await openForm();
    const expiredForm = await eventually(
      () => signInWith(form, login, tempPassword),
      (answer) => answer.html.includes('Change your expired password'),
    );
    expect(expiredForm.html).toContain('Change your expired password');
    expect(expiredForm.html).not.toContain(tempPassword);

    jest.spyOn(systemClock, 'now').mockReturnValue(new Date(Date.now() + 25 * 60 * 60_000));
    const lapsed = await signInWith(form, login, tempPassword);
    expect(lapsed.response.status).toBe(401);
    expect(lapsed.html).toContain('Your temporary password has expired');
    expect(lapsed.html).toContain('Ask your administrator for a new temporary password');
  });

  it('sends a signed-in browser on from the form at once, to an allowed fromURI only', async () => {
    const { login } = await newUser();
    const form = await openForm();
    const signedIn = await signInWith(form, login, PASSWORD);
    const sid = (signedIn.response.headers.get('set-cookie') ?? '').split(';')[0];
    const visit = (fromURI: string) =>
      fetch(`${lapse.url}/signin?fromURI=${encodeURIComponent(fromURI)}`, {
        redirect: 'manual',
        headers: { cookie: sid },
      });
    const allowed = await visit('https://app.example.com/again');
    expect(allowed.status).toBe(303);
    expect(allowed.headers.get('location')).toBe('https://app.example.com/again');
    expect((await visit('https://evil.example.net/')).headers.get('location')).toBe('/signin/done');
  });

  it('answers the forgot-password form with the same page for a user and for nobody', async () => {
    const { login } = await newUser();
    const pages: string[] = [];
    for (const username of [login, `nobody.${Date.now()}@example.com`]) {
      const form = await openForm('/signin/forgot-password');
      const answer = await post('/signin/forgot-password', form.cookie, {
        username,
        csrfToken: form.csrfToken,
      });
      expect(answer.response.status).toBe(200);
      pages.push(answer.html.replace(/nonce-[^']+'|nonce="[^"]+"/g, 'nonce'));
    }
    expect(pages[0]).toContain('Check your email');
    expect(pages[1]).toBe(pages[0]);
  });

  it('sends a browser without a session from the signed-in pages to the sign-in form', async () => {
    for (const path of ['/signin/done', '/signin/change-password']) {
      const response = await fetch(`${lapse.url}${path}`, { redirect: 'manual' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toMatch(/^\/signin/);
    }
  });
});
