import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectProblems, launchChromium, seriousAxeViolations } from '@lapse/shared/testing/browser';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { Client } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { capturingLogger } from '../testing/directory-test-app';

/**
 * The admin console in a real browser (Debian's Chromium driven by playwright-core) against the all-in-one
 * app on real PostgreSQL, one app start for every console flow. Flows run in an ordinary context (the pages'
 * strict CSP in force: no refusal and no script error may happen); each page is also opened in a context that
 * bypasses CSP only to inject axe-core, which must find no serious or critical violation, and is saved as a
 * screenshot in CONSOLE_ARTIFACTS (default: a `lapse-console` folder in the temp directory).
 */
const PASSWORD = 'Correct-Horse-9-battery';
const ARTIFACTS = process.env.CONSOLE_ARTIFACTS ?? join(tmpdir(), 'lapse-console');

describe('the admin console in Chromium', () => {
  const logger = capturingLogger();
  let lapse: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const violations: string[] = [];
  let superAdmin: { id: string; login: string };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    lapse = await startTestApp({
      env: {
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
        PASSWORD_POLICY_CACHE_MS: '0',
        ADMIN_RATE_LIMIT_PER_MINUTE: '10000',
        AUTHN_RATE_LIMIT_PER_SECOND: '1000',
      },
      logger,
    });
    browser = await launchChromium();
    ({ context, page } = await newBrowsing());
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await lapse?.close();
  });

  async function newBrowsing(): Promise<{ context: BrowserContext; page: Page }> {
    const fresh = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await fresh.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lapse.url });
    return { context: fresh, page: collectProblems(await fresh.newPage(), problems) };
  }

  const api = (method: string, path: string, body?: unknown) => lapse.admin(method, path, body);

  async function createUser(prefix: string, options: { provider?: string; role?: string } = {}) {
    const login = `${prefix}.${Math.random().toString(36).slice(2, 8)}@example.com`;
    const created = await api('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: prefix, lastName: 'Tester' },
      credentials: {
        ...(options.provider && options.provider !== 'OKTA'
          ? { provider: { type: options.provider, name: options.provider } }
          : { password: { value: PASSWORD } }),
      },
    });
    expect(created.status).toBe(200);
    if (options.role)
      expect(
        (await api('POST', `/api/v1/users/${created.body.id}/roles`, { type: options.role })).status,
      ).toBe(201);
    return { id: created.body.id as string, login };
  }

  /** axe-core on the page as `target` shows it (opened again in a CSP-bypassing context), and a screenshot. */
  async function audit(
    name: string,
    target: Page = page,
    reach?: (view: Page) => Promise<void>,
  ): Promise<void> {
    const checker = await browser.newContext({
      bypassCSP: true,
      viewport: { width: 1200, height: 900 },
      storageState: await target.context().storageState(),
    });
    try {
      const view = await checker.newPage();
      // A page that answers a form is reached by posting the form again there; any other by its URL.
      if (reach) await reach(view);
      else await view.goto(target.url());
      violations.push(...(await seriousAxeViolations(view, name)));
      const shown = reach ? view : target;
      await shown.screenshot({
        path: join(ARTIFACTS, `${name}.png`),
        fullPage: true,
        mask: [shown.locator('.secret')],
      });
    } finally {
      await checker.close();
    }
  }

  async function signIn(target: Page, username: string, password: string): Promise<void> {
    await target.goto(`${lapse.url}/admin/signin`);
    await target.fill('#username', username);
    await target.fill('#password', password);
    await target.click('button[type=submit]');
  }

  it('creates the first super administrator with the printed one-time code, which then is dead', async () => {
    const printed = logger.lines
      .join('\n')
      .match(/Open (\S+\/admin\/setup) and type the one-time setup code (\S+)/);
    expect(printed?.[1]).toBe(`${lapse.url}/admin/setup`);
    const code = printed?.[2] as string;
    await page.goto(`${lapse.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/setup');
    await audit('setup');

    const fill = async (setupCode: string, password: string) => {
      await page.fill('#code', setupCode);
      await page.fill('#login', 'root.admin@example.com');
      await page.fill('#email', 'root.admin@example.com');
      await page.fill('#firstName', 'Grace');
      await page.fill('#lastName', 'Hopper');
      await page.fill('#password', password);
      await page.click('button[type=submit]');
    };
    await fill('WRONG-CODE-0000', PASSWORD);
    expect(await page.textContent('.errors')).toContain('The setup code is not correct');
    await fill(code, 'short');
    expect(await page.textContent('.errors')).toContain('Password requirements were not met');
    await fill(code.toLowerCase(), PASSWORD);
    await page.locator('h1', { hasText: 'Super administrator created' }).waitFor();

    await page.goto(`${lapse.url}/admin/setup`);
    expect(await page.textContent('h1')).toBe('Setup is closed');
    await audit('setup-closed');
    const found = await api('GET', `/api/v1/users/${encodeURIComponent('root.admin@example.com')}`);
    superAdmin = { id: found.body.id, login: 'root.admin@example.com' };
    const roles = await api('GET', `/api/v1/users/${superAdmin.id}/roles`);
    expect(roles.body.map((role: { type: string }) => role.type)).toEqual(['SUPER_ADMIN']);
  });

  it('signs administrators in through identity and keeps everyone else out', async () => {
    const outsider = await createUser('outsider');
    await signIn(page, outsider.login, PASSWORD);
    expect(await page.textContent('main')).toContain('You do not have access to the admin console');
    await audit('no-access', page, (view) => signIn(view, outsider.login, PASSWORD));

    await signIn(page, superAdmin.login, 'Wrong-Password-1');
    expect(await page.textContent('.errors')).toContain('Sign-in failed');
    await audit('sign-in');

    await signIn(page, superAdmin.login, PASSWORD);
    await page.locator('h1', { hasText: 'People' }).waitFor();
    const cookie = (await context.cookies()).find((each) => each.name === 'lapse_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    const response = await page.goto(`${lapse.url}/admin/people`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(response?.headers()['cache-control']).toBe('no-store');
  });

  it('finds people by name, username or email, filters by status and provider, and pages', async () => {
    const pagers = Array.from({ length: 21 }, (_, index) => `pager.${index}.${Date.now()}@example.com`);
    const imported = await api('POST', '/api/v1/users/import?activate=true', {
      users: pagers.map((login) => ({
        profile: { login, email: login, firstName: 'pager', lastName: 'Tester' },
      })),
    });
    expect(imported.status).toBe(200);
    const ldap = await createUser('ldapuser', { provider: 'LDAP' });
    const suspended = await createUser('sleeper');
    await api('POST', `/api/v1/users/${suspended.id}/lifecycle/suspend`);

    await page.goto(`${lapse.url}/admin/people`);
    await page.fill('#search', 'pager');
    await page.click('form[role=search] button');
    expect(await page.locator('tbody tr').count()).toBe(20);
    await audit('people');
    await page.click('text=Next page');
    expect(await page.locator('tbody tr').count()).toBe(1);

    await page.goto(`${lapse.url}/admin/people`);
    await page.selectOption('#provider', 'LDAP');
    await page.click('form[role=search] button');
    expect(await page.locator('tbody tr').allTextContents()).toEqual([expect.stringContaining(ldap.login)]);

    await page.goto(`${lapse.url}/admin/people`);
    await page.fill('#search', 'sleeper');
    await page.selectOption('#status', 'SUSPENDED');
    await page.click('form[role=search] button');
    const rows = await page.locator('tbody tr').allTextContents();
    expect(rows).toEqual([expect.stringContaining(suspended.login)]);
    expect(rows[0]).toContain('Suspended');
  });

  it('gives one user a temporary password: shown once with a copy button, one-time mode, reset link disabled', async () => {
    const ada = await createUser('ada');
    await page.goto(`${lapse.url}/admin/people`);
    await page.fill('#search', ada.login);
    await page.click('form[role=search] button');
    await page.click(`a[href="/admin/people/${ada.id}"]`);
    expect(await page.textContent('dl.facts')).toContain('Last sign-in');
    await audit('user');

    await page.check('#channel-none');
    await page.click('#temporary-password');
    const secret = (await page.textContent('#temp-password'))?.trim() as string;
    expect(secret.length).toBeGreaterThanOrEqual(8);
    expect(await page.textContent('main')).toContain(
      'Password reset. User is now in one-time password mode.',
    );
    expect(await page.textContent('#delivery-status')).toContain('Not sent');
    await page.click('#copy');
    await page.locator('#copied', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    expect(page.url()).not.toContain(secret);

    const authn = await fetch(`${lapse.url}/api/v1/authn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: ada.login, password: secret }),
    });
    expect(((await authn.json()) as { status: string }).status).toBe('PASSWORD_EXPIRED');

    await page.goto(`${lapse.url}/admin/people/${ada.id}`);
    expect(await page.textContent('main')).toContain(
      'Password reset. User is now in one-time password mode.',
    );
    expect(await page.isDisabled('#reset-link')).toBe(true);
    expect(await page.textContent('#reset-link-reason')).toContain('one-time password mode');
    expect(await page.textContent('main')).not.toContain(secret);

    const filter = encodeURIComponent(
      `target.id eq "${ada.id}" and eventType eq "user.account.expire_password"`,
    );
    const log = await api('GET', `/api/v1/logs?filter=${filter}`);
    expect(log.body).toHaveLength(1);
    expect(log.body[0].actor).toMatchObject({
      id: superAdmin.id,
      type: 'User',
      alternateId: superAdmin.login,
    });
    expect(JSON.stringify(log.body)).not.toContain(secret);
    await audit('temporary-password', page, async (view) => {
      await view.goto(`${lapse.url}/admin/people/${ada.id}`);
      await view.check('#channel-none');
      await view.click('#temporary-password');
      await view.locator('#temp-password').waitFor();
    });
  });

  it('expires one password: the user keeps their sessions and must change it at next sign-in', async () => {
    const bob = await createUser('bob');
    await page.goto(`${lapse.url}/admin/people/${bob.id}`);
    await page.click('#expire-password');
    await page.locator('.notice', { hasText: 'Password expired' }).waitFor();
    expect(await page.textContent('dl.facts')).toContain('Password expired');
    expect((await api('GET', `/api/v1/users/${bob.id}`)).body.status).toBe('PASSWORD_EXPIRED');
  });

  it('sends an administrator whose password has expired to change it before the console opens', async () => {
    const carol = await createUser('carol', { role: 'USER_ADMIN' });
    await api('POST', `/api/v1/users/${carol.id}/lifecycle/expire_password`);
    const { context: own, page: hers } = await newBrowsing();
    try {
      await signIn(hers, carol.login, PASSWORD);
      await hers.locator('h1', { hasText: 'Your password has expired' }).waitFor();
      expect(hers.url()).toBe(`${lapse.url}/admin/change-password`);
      await audit('change-password', hers);
      await hers.fill('#oldPassword', PASSWORD);
      await hers.fill('#newPassword', 'Brand-New-Password-7');
      await hers.fill('#confirmPassword', 'Brand-New-Password-8');
      await hers.click('button[type=submit]');
      expect(await hers.textContent('.errors')).toContain('do not match');
      await hers.fill('#oldPassword', PASSWORD);
      await hers.fill('#newPassword', 'Brand-New-Password-7');
      await hers.fill('#confirmPassword', 'Brand-New-Password-7');
      await hers.click('button[type=submit]');
      await hers.locator('h1', { hasText: 'People' }).waitFor();
      expect(await hers.textContent('header')).toContain('User administrator');
      expect((await api('GET', `/api/v1/users/${carol.id}`)).body.status).toBe('ACTIVE');
    } finally {
      await own.close();
    }
  });

  it('lets a read-only administrator look but not act, and refuses the action server-side too', async () => {
    const dave = await createUser('dave', { role: 'READ_ONLY_ADMIN' });
    const target = await createUser('target');
    const { context: own, page: his } = await newBrowsing();
    try {
      await signIn(his, dave.login, PASSWORD);
      await his.goto(`${lapse.url}/admin/people/${target.id}`);
      expect(await his.isDisabled('#expire-password')).toBe(true);
      expect(await his.textContent('#expire-password-reason')).toContain(
        'can view users but not change them',
      );
      // The button is disabled; a post made anyway (enabling it) is refused by the server.
      await his.evaluate("document.getElementById('expire-password').removeAttribute('disabled')");
      await his.click('#expire-password');
      expect(await his.textContent('.errors')).toContain('can view users but not change them');
      expect((await api('GET', `/api/v1/users/${target.id}`)).body.status).toBe('ACTIVE');

      // What only a super administrator may do is refused with a page that says so.
      expect((await his.goto(`${lapse.url}/admin/tokens`))?.status()).toBe(403);
      expect(await his.textContent('main')).toContain(
        'Only a super administrator can manage API tokens (you are a read-only administrator).',
      );
      expect((await his.goto(`${lapse.url}/admin/people/expire-passwords`))?.status()).toBe(403);
      expect(await his.textContent('main')).toContain(
        "Only a super administrator can expire everyone's password (you are a read-only administrator).",
      );
    } finally {
      await own.close();
    }
  });

  it('refuses a form without its CSRF token or from another origin', async () => {
    const target = await createUser('csrf');
    const cookies = (await context.cookies()).map((each) => `${each.name}=${each.value}`).join('; ');
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${lapse.url}/admin/people/${target.id}/expire-password`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    expect((await post({}, 'csrf=forged')).status).toBe(403);
    await page.goto(`${lapse.url}/admin/people/${target.id}`);
    const token = await page.getAttribute('#expire-password >> xpath=.. >> input[name=csrf]', 'value');
    expect(
      (await post({ origin: 'https://evil.example' }, `csrf=${encodeURIComponent(token as string)}`)).status,
    ).toBe(403);
    expect((await api('GET', `/api/v1/users/${target.id}`)).body.status).toBe('ACTIVE');
    expect((await post({ origin: lapse.url }, `csrf=${encodeURIComponent(token as string)}`)).status).toBe(
      303,
    );
    expect((await api('GET', `/api/v1/users/${target.id}`)).body.status).toBe('PASSWORD_EXPIRED');
  });

  it('ends a session that was idle too long, at sign-out, and when the administrator is suspended', async () => {
    const erin = await createUser('erin', { role: 'USER_ADMIN' });
    const { context: own, page: hers } = await newBrowsing();
    const db = new Client({ connectionString: lapse.databaseUrl });
    await db.connect();
    try {
      await signIn(hers, erin.login, PASSWORD);
      await hers.locator('h1', { hasText: 'People' }).waitFor();
      await db.query(
        "UPDATE directory_console_sessions SET last_seen_at = now() - interval '16 minutes' WHERE user_id = $1",
        [erin.id],
      );
      await hers.goto(`${lapse.url}/admin/people`);
      expect(await hers.textContent('.notice')).toContain('Your session has ended');

      await signIn(hers, erin.login, PASSWORD);
      await hers.locator('h1', { hasText: 'People' }).waitFor();
      const stolen = (await own.cookies()).find((each) => each.name === 'lapse_console')?.value as string;
      await hers.click('text=Sign out');
      await hers.locator('h1', { hasText: 'Sign in' }).waitFor();
      const replay = await fetch(`${lapse.url}/admin/people`, {
        redirect: 'manual',
        headers: { cookie: `lapse_console=${stolen}` },
      });
      expect(replay.status).toBe(303);

      await signIn(hers, erin.login, PASSWORD);
      await hers.locator('h1', { hasText: 'People' }).waitFor();
      await api('POST', `/api/v1/users/${erin.id}/lifecycle/suspend`);
      await hers.goto(`${lapse.url}/admin/people`);
      expect(new URL(hers.url()).pathname).toBe('/admin/signin');
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM directory_console_sessions WHERE user_id = $1',
        [erin.id],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await db.end();
      await own.close();
    }
  });

  it('unlocks, suspends, unsuspends, clears sessions and deactivates a user from their page', async () => {
    const fay = await createUser('fay');
    const service = { authorization: `Bearer ${lapse.serviceToken}`, 'content-type': 'application/json' };
    await fetch(`${lapse.url}/internal/v1/users/${fay.id}/lifecycle/lock`, {
      method: 'POST',
      headers: service,
      body: '{}',
    });
    await page.goto(`${lapse.url}/admin/people/${fay.id}`);
    expect(await page.textContent('dl.facts')).toContain('Locked out');
    await page.click('#unlock');
    await page.locator('.notice', { hasText: 'User unlocked.' }).waitFor();

    const authn = await fetch(`${lapse.url}/api/v1/authn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: fay.login, password: PASSWORD }),
    });
    const { sessionToken } = (await authn.json()) as { sessionToken: string };
    const created = await fetch(`${lapse.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ sessionToken }),
    });
    const session = (await created.json()) as { id: string };
    await page.click('#clear-sessions');
    await page.locator('.notice', { hasText: "All of the user's sessions have ended." }).waitFor();
    await waitFor(
      'the session to end',
      async () => (await fetch(`${lapse.url}/api/v1/sessions/${session.id}`)).status === 404,
      10_000,
    );
    const cleared = encodeURIComponent(`target.id eq "${fay.id}" and eventType eq "user.session.clear"`);
    expect((await api('GET', `/api/v1/logs?filter=${cleared}`)).body[0].actor).toMatchObject({
      id: superAdmin.id,
      type: 'User',
    });

    await page.click('#suspend');
    await page.locator('.notice', { hasText: 'User suspended.' }).waitFor();
    expect((await api('GET', `/api/v1/users/${fay.id}`)).body.status).toBe('SUSPENDED');
    await page.click('#unsuspend');
    await page.locator('.notice', { hasText: 'User unsuspended.' }).waitFor();
    await page.click('#deactivate');
    await page.locator('.notice', { hasText: 'User deactivated.' }).waitFor();
    expect((await api('GET', `/api/v1/users/${fay.id}`)).body.status).toBe('DEPROVISIONED');
    // A refused command (Okta's E0000038) is shown on the page, not half-applied.
    await page.goto(`${lapse.url}/admin/people/${fay.id}`);
    expect(await page.isDisabled('#expire-password')).toBe(true);
  });

  it('assigns and removes admin roles from a user page', async () => {
    const gil = await createUser('gil');
    await page.goto(`${lapse.url}/admin/people/${gil.id}`);
    await page.selectOption('#role-type', 'READ_ONLY_ADMIN');
    await page.click('#assign-role');
    await page.locator('.notice', { hasText: 'The admin role was assigned.' }).waitFor();
    const roles = await api('GET', `/api/v1/users/${gil.id}/roles`);
    expect(roles.body.map((role: { type: string }) => role.type)).toEqual(['READ_ONLY_ADMIN']);
    await page.click('button[aria-label="Remove Read Only Administrator"]');
    await page.locator('.notice', { hasText: 'The admin role was removed.' }).waitFor();
    expect((await api('GET', `/api/v1/users/${gil.id}/roles`)).body).toEqual([]);
  });

  it('refuses on the page to remove the last super administrator', async () => {
    await page.goto(`${lapse.url}/admin/people/${superAdmin.id}`);
    await page.click('button[aria-label="Remove Super Administrator"]');
    await page.locator('.errors', { hasText: 'The last super administrator cannot be removed' }).waitFor();
    expect(await page.textContent('.errors')).toContain('Assign SUPER_ADMIN to another active user first.');
    await audit('last-super-admin', page, async (view) => {
      await view.goto(`${lapse.url}/admin/people/${superAdmin.id}`);
      await view.click('button[aria-label="Remove Super Administrator"]');
      await view.locator('.errors').waitFor();
    });
    await page.click('#suspend');
    await page.locator('.errors', { hasText: 'The last super administrator cannot be removed' }).waitFor();
    const { body: roles } = await api('GET', `/api/v1/users/${superAdmin.id}/roles`);
    expect(roles.map((role: { type: string }) => role.type)).toEqual(['SUPER_ADMIN']);
    expect((await api('GET', `/api/v1/users/${superAdmin.id}`)).body.status).toBe('ACTIVE');
  });

  it("shows the user's groups and sets and ends the exemption from password expiry by age", async () => {
    const robot = await createUser('robot');
    const groupName = `Service accounts ${Math.random().toString(36).slice(2, 8)}`;
    const group = await api('POST', '/api/v1/groups', { profile: { name: groupName } });
    expect(group.status).toBe(200);
    expect((await api('PUT', `/api/v1/groups/${group.body.id}/users/${robot.id}`)).status).toBe(204);
    await page.goto(`${lapse.url}/admin/people/${robot.id}`);
    expect(await page.textContent('#groups')).toContain(groupName);
    expect(await page.textContent('#age-exemption')).toContain('Applies');
    await page.fill('#exemption-reason', 'Nightly export job');
    await page.click('#age-exemption-change');
    await page.locator('.notice', { hasText: 'exempt from password expiry by age' }).waitFor();
    expect(await page.textContent('#age-exemption')).toContain('Exempt');
    expect((await api('GET', `/api/v1/users/${robot.id}`)).body.credentials.password.expiryExempt).toBe(true);
    await audit('user-exemption');
    const filter = encodeURIComponent(
      `eventType eq "user.account.update_password_expiry_exemption" and target.id eq "${robot.id}"`,
    );
    const [logged] = (await api('GET', `/api/v1/logs?filter=${filter}`)).body;
    expect(logged).toMatchObject({
      actor: { id: superAdmin.id, type: 'User' },
      outcome: { result: 'SUCCESS', reason: 'Nightly export job' },
    });

    // A user administrator sees why the form is disabled; a post made anyway is refused by the server.
    const helper = await createUser('helper', { role: 'USER_ADMIN' });
    const { context: own, page: his } = await newBrowsing();
    try {
      await signIn(his, helper.login, PASSWORD);
      await his.goto(`${lapse.url}/admin/people/${robot.id}`);
      expect(await his.isDisabled('#age-exemption-change')).toBe(true);
      expect(await his.textContent('#age-exemption-reason')).toContain(
        'Only a super administrator can change the exemption (you are a user administrator).',
      );
      await his.evaluate("document.getElementById('age-exemption-change').removeAttribute('disabled')");
      await his.click('#age-exemption-change');
      expect(await his.textContent('.errors')).toContain(
        'Only a super administrator can change the exemption',
      );
      expect(await his.textContent('#age-exemption')).toContain('Exempt');
    } finally {
      await own.close();
    }

    await page.click('#age-exemption-change');
    await page.locator('.notice', { hasText: 'The exemption has ended' }).waitFor();
    expect(await page.textContent('#age-exemption')).toContain('Applies');
    expect(
      (await api('GET', `/api/v1/users/${robot.id}`)).body.credentials.password.expiryExempt,
    ).toBeUndefined();
  });

  it('shows the password policy and saves a change, with the validation messages of the API', async () => {
    await page.click('nav >> text=Password policy');
    expect(await page.inputValue('#minLength')).toBe('8');
    await page.fill('#minLength', '2');
    await page.fill('#historyCount', '99');
    await page.click('#save');
    const errors = (await page.textContent('.errors')) as string;
    expect(errors).toContain('complexity.minLength');
    expect(errors).toContain('age.historyCount');
    expect((await api('GET', '/api/v1/policies/password')).body.complexity.minLength).toBe(8);
    await page.fill('#minLength', '10');
    await page.fill('#historyCount', '5');
    await page.click('#save');
    await page.locator('.notice', { hasText: 'The password policy was saved.' }).waitFor();
    const policy = await api('GET', '/api/v1/policies/password');
    expect(policy.body.complexity.minLength).toBe(10);
    expect(policy.body.age.historyCount).toBe(5);
    await audit('policy');
    const filter = encodeURIComponent('eventType eq "policy.lifecycle.update"');
    expect((await api('GET', `/api/v1/logs?filter=${filter}`)).body[0].actor).toMatchObject({
      id: superAdmin.id,
    });
  });

  it('filters the System Log by event type, actor, target and time', async () => {
    const hal = await createUser('hal');
    await page.goto(`${lapse.url}/admin/people/${hal.id}`);
    await page.click('#suspend');
    await page.locator('.notice', { hasText: 'User suspended.' }).waitFor();
    await page.click('nav >> text=System Log');
    await page.selectOption('#eventType', 'user.lifecycle.suspend');
    await page.fill('#target', hal.login);
    await page.click('form[role=search] button');
    const rows = await page.locator('tbody tr').allTextContents();
    expect(rows).toEqual([expect.stringContaining('user.lifecycle.suspend')]);
    expect(rows[0]).toContain(hal.login);
    await audit('logs');

    await page.goto(`${lapse.url}/admin/logs`);
    await page.fill('#actor', superAdmin.login);
    await page.fill('#target', hal.id);
    await page.click('form[role=search] button');
    // The console's suspension, and the user.session.clear it brought (same actor and target).
    expect(await page.locator('tbody tr').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringContaining('user.lifecycle.suspend'),
        expect.stringContaining('user.session.clear'),
      ]),
    );
    await page.fill('#actor', 'someone.else@example.com');
    await page.click('form[role=search] button');
    expect(await page.textContent('caption')).toContain('No event matches');
    await page.fill('#actor', superAdmin.login);
    await page.fill('#since', '2999-01-01T00:00');
    await page.click('form[role=search] button');
    expect(await page.textContent('caption')).toContain('No event matches');
  });

  it('creates an API token shown once, which works until it is revoked', async () => {
    await page.click('nav >> text=API tokens');
    await page.fill('#name', 'reporting');
    await page.selectOption('#role', 'READ_ONLY_ADMIN');
    await page.click('#create-token');
    const token = (await page.textContent('#temp-password'))?.trim() as string;
    expect(token).toMatch(/^00[A-Za-z0-9_-]{40}$/);
    const withToken = () =>
      fetch(`${lapse.url}/api/v1/users?limit=1`, { headers: { authorization: `SSWS ${token}` } });
    expect((await withToken()).status).toBe(200);
    await page.goto(`${lapse.url}/admin/tokens`);
    expect(await page.textContent('main')).not.toContain(token);
    await page.click('button[aria-label="Revoke reporting"]');
    await page.locator('.notice', { hasText: 'The token was revoked.' }).waitFor();
    expect((await withToken()).status).toBe(401);
    await audit('tokens');
  });

  it('expires every directory-mastered password from People → More Actions → Expire Passwords', async () => {
    await createUser('bulk');
    const ldap = await createUser('bulkldap', { provider: 'LDAP' });
    const dryRun = await api('POST', '/api/v1/users/lifecycle/expire_passwords', { dryRun: true });
    await page.goto(`${lapse.url}/admin/people`);
    await page.click('summary:has-text("More Actions")');
    await page.click('a:has-text("Expire Passwords")');
    await page.locator('h1', { hasText: 'Expire Passwords' }).waitFor();
    expect(await page.textContent('#summary')).toContain(`${dryRun.body.total} users`);
    const main = (await page.textContent('main')) as string;
    expect(main).toMatch(
      /Active Directory and LDAP \(delegated authentication\) users are left out \(\d+ users?\)/,
    );
    expect(main).toContain('They keep their sessions and must change their password at next sign-in.');
    expect(await page.locator('tbody tr').allTextContents()).toEqual([
      expect.stringContaining('Okta'),
      expect.stringContaining('Imported'),
    ]);
    await audit('expire-passwords');

    await page.fill('#reason', 'Suspected credential leak');
    // Hold the fan-out at its first write (the side table it inserts into) so the job's page opens while the
    // job runs; once released, the page's own polling must bring it to completion.
    const db = new Client({ connectionString: lapse.databaseUrl });
    await db.connect();
    try {
      await db.query('BEGIN');
      await db.query('LOCK TABLE directory_bulk_expired IN EXCLUSIVE MODE');
      await page.click('#confirm');
      await page.locator('#job').waitFor();
      expect(await page.textContent('#job-status')).toBe('Running');
      expect(await page.textContent('#counts')).toBe(`0 of ${dryRun.body.total} users expired, 0 skipped.`);
      await db.query('ROLLBACK');
    } finally {
      await db.end();
    }
    await page.locator('#job-status', { hasText: 'Completed' }).waitFor({ timeout: 15_000 });
    expect(await page.textContent('#counts')).toContain(
      `${dryRun.body.total} of ${dryRun.body.total} users expired`,
    );
    expect(await page.getAttribute('#progress', 'value')).toBe(String(dryRun.body.total));
    await audit('job');
    const jobId = new URL(page.url()).pathname.split('/').at(-1) as string;
    const job = await api('GET', `/api/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({
      status: 'COMPLETED',
      total: dryRun.body.total,
      reason: 'Suspected credential leak',
    });
    expect((await api('GET', `/api/v1/users/${ldap.id}`)).body.status).toBe('ACTIVE');

    await page.click('nav >> text=Bulk expiry jobs');
    expect(await page.locator('tbody tr').first().textContent()).toContain('Completed');
    await audit('jobs');
    const filter = encodeURIComponent(`eventType eq "user.lifecycle.password_mass_expiry"`);
    const log = await api('GET', `/api/v1/logs?filter=${filter}`);
    expect(log.body[0].actor).toMatchObject({ id: superAdmin.id, type: 'User' });
  });

  it("shows a staged job's waves on its page", async () => {
    const first = await createUser('wave');
    const second = await createUser('wave');
    const started = await api('POST', '/api/v1/users/lifecycle/expire_passwords', {
      userIds: [first.id, second.id],
      waves: { size: 1, intervalMinutes: 60 },
    });
    expect(started.status).toBe(202);
    await page.goto(`${lapse.url}/admin/jobs/${started.body.id}`);
    await page.locator('h2', { hasText: 'Waves' }).waitFor();
    const rows = await page.locator('#waves tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^11.*(Running|Completed)$/);
    expect(rows[1]).toMatch(/^21.*Pending$/);
    await audit('job-waves');
  });

  it('met no CSP refusal, no script error and no serious accessibility violation on the way', () => {
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
  });
});
