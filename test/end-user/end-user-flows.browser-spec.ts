import { collectProblems, launchChromium, seriousAxeViolations } from '@lapse/shared/testing/browser';
import { emailedLink, mailTo } from '@lapse/shared/testing/mail';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually, waitFor } from '@lapse/shared/testing/wait-for';
import { Pool } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MaildevCaptureServer } from '../../apps/notifier/src/mail-capture/maildev-capture-server';

// biome-ignore lint/suspicious/noExplicitAny: specs read arbitrary JSON
type Json = Record<string, any>;

/**
 * The end user's flows in Debian's Chromium against the all-in-one app (real PostgreSQL, real SMTP into a
 * capture server): hosted sign-in with the forced change, the warning window, the signed-in change, a
 * temporary password from its emailed one-time link, and forgot password from its emailed reset link. The
 * flows run in a context that enforces the pages' CSP (a refused inline script or style is a failure); each
 * page's rendered DOM is audited by axe-core in a second context created with `bypassCSP` so axe can be
 * injected. One app, one capture server and one browser for the whole suite.
 */
describe('the end user’s flows in Chromium', () => {
  let maildev: MaildevCaptureServer;
  let lapse: TestApp;
  let pool: Pool;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let auditPage: Page;
  const problems: string[] = [];
  let n = 0;

  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    lapse = await startTestApp({
      env: {
        ...mailTo(maildev.smtpUrl),
        ...FAST_PASSWORD_HASHING,
        PASSWORD_POLICY_CACHE_MS: '0',
        AUTHN_RATE_LIMIT_PER_SECOND: '100',
      },
    });
    pool = new Pool({ connectionString: lapse.databaseUrl, max: 2 });
    browser = await launchChromium();
    const auditContext = await browser.newContext({ bypassCSP: true, javaScriptEnabled: true });
    auditPage = await auditContext.newPage();
    auditPage.setDefaultTimeout(8_000);
  });
  beforeEach(async () => {
    problems.length = 0;
    context = await browser.newContext();
    page = collectProblems(await context.newPage(), problems);
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await pool?.end();
    await lapse?.close();
    await maildev?.stop();
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const answer = await lapse.admin(method, path, body);
    return { status: answer.status, body: answer.body as Json };
  };

  async function newUser(password: string) {
    const login = `ada.${++n}.${Date.now()}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id as string, login };
  }

  async function identityKnows(id: string, status: string) {
    await waitFor(`identity to see ${id} as ${status}`, async () => {
      const { rows } = await pool.query('SELECT status FROM identity_credentials WHERE user_id = $1', [id]);
      return rows[0]?.status === status;
    });
  }

  const apiSignIn = async (username: string, password: string) =>
    (await lapse.request('POST', '/api/v1/authn', { username, password })).body as Json;

  /** axe-core on the page as rendered: no serious or critical violation. */
  async function audit(label: string) {
    await auditPage.setContent(await page.content());
    expect(await seriousAxeViolations(auditPage, label)).toEqual([]);
  }

  async function signIn(username: string, password: string, fromURI?: string) {
    await page.goto(`${lapse.url}/signin${fromURI ? `?fromURI=${encodeURIComponent(fromURI)}` : ''}`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForLoadState();
  }

  async function changeTo(oldPassword: string, newPassword: string, confirm = newPassword) {
    await page.fill('#oldPassword', oldPassword);
    await page.fill('#newPassword', newPassword);
    await page.fill('#confirmPassword', confirm);
    await page.click('button[type=submit]');
    await page.waitForLoadState();
  }

  it('takes a user whose password expired through the change, signs them in and follows an allowed fromURI', async () => {
    const { id, login } = await newUser('Expired-Pw-2024!');
    expect((await admin('POST', `/api/v1/users/${id}/lifecycle/expire_password`)).status).toBe(200);
    await identityKnows(id, 'PASSWORD_EXPIRED');
    const fromURI = `${lapse.url}/signin/done?app=reports`;

    await page.goto(`${lapse.url}/signin?fromURI=${encodeURIComponent(fromURI)}`);
    await audit('sign-in page');
    await page.fill('#username', login);
    await page.fill('#password', 'Expired-Pw-2024!');
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Change your expired password' }).waitFor();
    expect(page.url()).not.toContain('state');
    expect(await page.textContent('#rules')).toContain('At least 8 characters');
    const stateCookie = (await context.cookies()).find((cookie) => cookie.name === 'lapse_signin_state');
    expect(stateCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.content()).not.toContain(stateCookie?.value);
    await audit('change page');

    await changeTo('Expired-Pw-2024!', 'short1');
    await page.locator('#error-summary').waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('error-summary');
    expect(await page.textContent('#error-summary')).toContain('too short: use at least 8 characters');
    expect(await page.getAttribute('#newPassword', 'aria-describedby')).toContain('newPassword-error');
    await audit('change page with errors');

    await changeTo('Expired-Pw-2024!', 'Fresh-Pw-2025!', 'Fresh-Pw-2026!');
    expect(await page.textContent('#error-summary')).toContain('The two new passwords are not the same.');

    await changeTo('Expired-Pw-2024!', 'Fresh-Pw-2025!');
    await page.waitForURL(fromURI);
    expect(await page.textContent('#who')).toContain(login);
    const sid = (await context.cookies()).find((cookie) => cookie.name === 'sid');
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect((await context.cookies()).some((cookie) => cookie.name === 'lapse_signin_state')).toBe(false);
    await audit('signed-in page');
    expect((await apiSignIn(login, 'Fresh-Pw-2025!')).status).toBe('SUCCESS');
    expect(problems).toEqual([]);
  });

  it('does not follow a fromURI on another origin, and tells a failed sign-in without saying why', async () => {
    const { id, login } = await newUser('Steady-Pw-2024!');
    await signIn(login, 'Wrong-Pw-2024!', 'https://evil.example.net/steal');
    expect(await page.textContent('#error-summary')).toContain('We could not sign you in');
    expect(await page.inputValue('#username')).toBe(login);
    await audit('sign-in page with errors');

    await page.fill('#password', 'Steady-Pw-2024!');
    await page.click('button[type=submit]');
    await page.waitForURL(`${lapse.url}/signin/done`);
    expect(await page.textContent('#who')).toContain(login);

    // A suspended user gets the same answer as a wrong password.
    expect((await admin('POST', `/api/v1/users/${id}/lifecycle/suspend`)).status).toBe(200);
    await identityKnows(id, 'SUSPENDED');
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    await other.goto(`${lapse.url}/signin`);
    await other.fill('#username', login);
    await other.fill('#password', 'Steady-Pw-2024!');
    await other.click('button[type=submit]');
    expect(await other.textContent('#error-summary')).toContain('We could not sign you in');
    await fresh.close();
    expect(problems).toEqual([]);
  });

  it('lets a signed-in user change their password, explaining a wrong current password', async () => {
    const { login } = await newUser('Current-Pw-2024!');
    await signIn(login, 'Current-Pw-2024!');
    await page.waitForURL(`${lapse.url}/signin/done`);
    await page.click('text=Change password');
    await page.locator('h1', { hasText: 'Change your password' }).waitFor();
    await audit('signed-in change page');

    await changeTo('Not-The-Pw-2024!', 'Next-Pw-2025!');
    expect(await page.textContent('#error-summary')).toContain('The current password is not correct.');
    expect(await page.getAttribute('#oldPassword', 'aria-invalid')).toBe('true');

    // Another browser signed in as the same user: "Sign me out everywhere else" (checked) ends its session.
    const elsewhere = await lapse.request('POST', '/api/v1/sessions', {
      username: login,
      password: 'Current-Pw-2024!',
    });
    expect(elsewhere.status).toBe(200);
    expect(await page.isChecked('#revokeSessions')).toBe(true);
    await changeTo('Current-Pw-2024!', 'Next-Pw-2025!');
    await page.locator('.notice', { hasText: 'Your password has been changed.' }).waitFor();
    expect((await lapse.request('GET', `/api/v1/sessions/${elsewhere.body.id}`)).status).toBe(404);
    expect((await apiSignIn(login, 'Next-Pw-2025!')).status).toBe('SUCCESS');
    expect(
      (await lapse.request('POST', '/api/v1/authn', { username: login, password: 'Current-Pw-2024!' }))
        .status,
    ).toBe(401);

    await page.click('text=Sign out');
    await page.waitForURL(`${lapse.url}/signin`);
    await page.goto(`${lapse.url}/signin/done`);
    expect(page.url()).toBe(`${lapse.url}/signin`);
    expect(problems).toEqual([]);
  });

  it('warns inside the warning window, with "Later" and "Change now"', async () => {
    const { login } = await newUser('Aging-Pw-2024!');
    const policy = await admin('GET', '/api/v1/policies/password');
    const age = policy.body.age as Json;
    expect(
      (
        await admin('PUT', '/api/v1/policies/password', {
          age: { ...age, maxAgeDays: 10, expireWarnDays: 20 },
        })
      ).status,
    ).toBe(200);
    try {
      // Identity reads the changed policy in the background: wait until the API warns too.
      const warned = await eventually(
        async () =>
          (
            await lapse.request('POST', '/api/v1/authn', {
              username: login,
              password: 'Aging-Pw-2024!',
              options: { warnBeforePasswordExpired: true },
            })
          ).body as Json,
        (body) => body.status === 'PASSWORD_WARN',
      );
      expect(warned.status).toBe('PASSWORD_WARN');
      await signIn(login, 'Aging-Pw-2024!');
      await page.locator('h1', { hasText: 'Your password expires soon' }).waitFor();
      expect(await page.textContent('#warning')).toMatch(/Your password expires in (9|10) days/);
      await audit('warning page');
      await page.click('button:has-text("Later")');
      await page.waitForURL(`${lapse.url}/signin/done`);

      await page.context().clearCookies();
      await signIn(login, 'Aging-Pw-2024!');
      await page.click('button:has-text("Change now")');
      await page.locator('h1', { hasText: 'Change your password' }).waitFor();
      await changeTo('Aging-Pw-2024!', 'Younger-Pw-2025!');
      await page.waitForURL(`${lapse.url}/signin/done`);
      expect((await apiSignIn(login, 'Younger-Pw-2025!')).status).toBe('SUCCESS');
    } finally {
      await admin('PUT', '/api/v1/policies/password', { age });
    }
    expect(problems).toEqual([]);
  });

  const linkIn = (text: string, path: string) => emailedLink(text, lapse.url, path)?.link;

  it('takes a user given a temporary password from the emailed one-time link through sign-in and the change', async () => {
    const { id, login } = await newUser('Before-Temp-2024!');
    const issued = await admin('POST', `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password`);
    expect(issued.status).toBe(200);
    await identityKnows(id, 'PASSWORD_EXPIRED');
    const [mail] = await maildev.waitForEmails(1, login, 20_000);
    const reveal = linkIn(mail.text, '/notifier/reveal/') as string;
    expect(reveal).toBeDefined();

    await page.goto(reveal);
    await page.click('button:has-text("Show my temporary password")');
    const tempPassword = ((await page.textContent('.secret')) ?? '').trim();
    expect(tempPassword).toBe(issued.body.tempPassword);

    await signIn(login, tempPassword);
    await page.locator('h1', { hasText: 'Change your expired password' }).waitFor();
    await changeTo(tempPassword, 'Chosen-Pw-2025!');
    await page.waitForURL(`${lapse.url}/signin/done`);
    expect(await page.textContent('#who')).toContain(login);
    expect((await apiSignIn(login, 'Chosen-Pw-2025!')).status).toBe('SUCCESS');
    expect(
      (await lapse.request('POST', '/api/v1/authn', { username: login, password: tempPassword })).status,
    ).toBe(401);
    expect(problems).toEqual([]);
  });

  it('resets a forgotten password from the emailed link: the new one works, the old one not, old sessions end', async () => {
    const { login } = await newUser('Forgotten-Pw-2024!');
    // A session from before, in another browser.
    const before = await browser.newContext();
    const beforePage = await before.newPage();
    await beforePage.goto(`${lapse.url}/signin`);
    await beforePage.fill('#username', login);
    await beforePage.fill('#password', 'Forgotten-Pw-2024!');
    await beforePage.click('button[type=submit]');
    await beforePage.waitForURL(`${lapse.url}/signin/done`);

    await page.goto(`${lapse.url}/signin`);
    await page.click('text=Forgot password?');
    await page.locator('h1', { hasText: 'Reset your password' }).waitFor();
    await audit('forgot-password page');
    await page.fill('#username', login);
    await page.click('button[type=submit]');
    await page.locator('h1', { hasText: 'Check your email' }).waitFor();
    await audit('check-your-email page');

    const [mail] = await maildev.waitForEmails(1, login, 20_000);
    const link = linkIn(mail.text, '/reset_password/') as string;
    expect(link).toBeDefined();
    await page.goto(link);
    await page.waitForSelector('#form:not([hidden])');
    await page.fill('#password', 'Recalled-Pw-2025!');
    await page.fill('#confirm', 'Recalled-Pw-2025!');
    await page.click('button[type=submit]');
    await page.locator('#title', { hasText: 'Password reset' }).waitFor();

    expect((await apiSignIn(login, 'Recalled-Pw-2025!')).status).toBe('SUCCESS');
    expect(
      (await lapse.request('POST', '/api/v1/authn', { username: login, password: 'Forgotten-Pw-2024!' }))
        .status,
    ).toBe(401);
    await waitFor('the session from before the reset to end', async () => {
      await beforePage.goto(`${lapse.url}/signin/done`);
      return beforePage.url() === `${lapse.url}/signin`;
    });
    await before.close();
    expect(problems).toEqual([]);
  });
});
