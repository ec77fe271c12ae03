import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';
import { Client } from 'pg';
import { capturingLogger, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

/**
 * The admin console behind a gateway with two directory instances on one database: the all-in-one app
 * (directory, identity, notifier) and a second directory alone, which signs administrators in through the
 * first one's identity. Both answer for the same public origin (the gateway's) and share the service token
 * the console's form keys come from, as a deployment's instances do. One browser (one cookie jar) posts to
 * whichever instance the gateway picks; here the spec picks, to make each step land on the other instance.
 */
const PASSWORD = 'Correct-Horse-9-battery';

interface Cookie {
  readonly value: string;
  readonly path: string;
  readonly attributes: string;
}

/** One browser's cookies for the gateway's origin, sent by path as a browser sends them. */
class Browser {
  readonly cookies = new Map<string, Cookie>();

  constructor(private readonly origin: string) {}

  async get(instance: string, path: string): Promise<{ status: number; location: string; body: string }> {
    return this.send(instance, path, { method: 'GET' });
  }

  async post(instance: string, path: string, fields: Record<string, string>) {
    return this.send(instance, path, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin },
    });
  }

  private async send(
    instance: string,
    path: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; location: string; body: string }> {
    const cookie = [...this.cookies]
      .filter(([, each]) => path === each.path || path.startsWith(`${each.path}/`) || each.path === '/')
      .map(([name, each]) => `${name}=${each.value}`)
      .join('; ');
    const response = await fetch(`${instance}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const [name = '', ...value] = pair.split('=');
      const path = attributes.find((part) => part.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const gone = attributes.some((part) => /^expires=.*1970/i.test(part) || /^max-age=0$/i.test(part));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value: value.join('='), path, attributes: attributes.join('; ') });
    }
    return {
      status: response.status,
      location: response.headers.get('location') ?? '',
      body: await response.text(),
    };
  }
}

const csrfOf = (page: string) => page.match(/name="csrf" value="([^"]+)"/)?.[1] ?? '';

describe('the admin console on two directory instances', () => {
  const firstLog = capturingLogger();
  const secondLog = capturingLogger();
  let first: TestApp;
  let second: DirectoryTestApp;

  beforeAll(async () => {
    first = await startTestApp({
      env: {
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
        ADMIN_RATE_LIMIT_PER_MINUTE: '10000',
        AUTHN_RATE_LIMIT_PER_SECOND: '1000',
      },
      logger: firstLog,
    });
    second = await startDirectoryTestApp({
      databaseUrl: first.databaseUrl,
      logger: secondLog,
      env: {
        PUBLIC_URL: first.url,
        IDENTITY_URL: first.url,
        SERVICE_API_TOKEN: first.serviceToken,
        ADMIN_RATE_LIMIT_PER_MINUTE: '10000',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  async function createUser(role: string): Promise<{ id: string; login: string }> {
    const login = `console-${randomUUID()}@example.com`;
    const created = await first.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ines', lastName: 'Tance' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    expect((await first.admin('POST', `/api/v1/users/${created.body.id}/roles`, { type: role })).status).toBe(
      201,
    );
    return { id: created.body.id, login };
  }

  /** Expires the password through the API and waits until identity's sign-in knows (events are async). */
  async function expirePassword(user: { id: string; login: string }): Promise<void> {
    expect((await first.admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`)).status).toBe(
      200,
    );
    const known = await eventually(
      () => first.request('POST', '/api/v1/authn', { username: user.login, password: PASSWORD }),
      (answer) => answer.body.status === 'PASSWORD_EXPIRED',
    );
    expect(known.body.status).toBe('PASSWORD_EXPIRED');
  }

  it("changes an expired administrator's password on the instance that did not take the sign-in", async () => {
    const admin = await createUser('USER_ADMIN');
    await expirePassword(admin);
    const browser = new Browser(first.url);

    const form = await browser.get(first.url, '/admin/signin');
    const signedIn = await browser.post(first.url, '/admin/signin', {
      csrf: csrfOf(form.body),
      username: admin.login,
      password: PASSWORD,
    });
    expect(signedIn).toMatchObject({ status: 303, location: '/admin/change-password' });
    const state = browser.cookies.get('lapse_console_change');
    expect(state?.path).toBe('/admin/change-password');
    expect(state?.attributes).toMatch(/HttpOnly/);
    expect(state?.attributes).toMatch(/SameSite=Strict/);

    // The gateway sends the rest of the flow to the other instance.
    const change = await browser.get(second.url, '/admin/change-password');
    expect(change.status).toBe(200);
    expect(change.body).toContain('Your password has expired');
    expect(change.body).not.toContain(state?.value);
    const mismatch = await browser.post(second.url, '/admin/change-password', {
      csrf: csrfOf(change.body),
      oldPassword: PASSWORD,
      newPassword: 'Brand-New-Password-7',
      confirmPassword: 'Brand-New-Password-8',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toContain('The new passwords do not match.');
    const changed = await browser.post(first.url, '/admin/change-password', {
      csrf: csrfOf(mismatch.body),
      oldPassword: PASSWORD,
      newPassword: 'Brand-New-Password-7',
      confirmPassword: 'Brand-New-Password-7',
    });
    expect(changed).toMatchObject({ status: 303, location: '/admin/people' });
    expect(browser.cookies.has('lapse_console_change')).toBe(false);
    const people = await browser.get(second.url, '/admin/people');
    expect(people.status).toBe(200);
    expect(people.body).toContain('User administrator');
    expect((await first.admin('GET', `/api/v1/users/${admin.id}`)).body.status).toBe('ACTIVE');
    for (const line of [...firstLog.lines, ...secondLog.lines]) expect(line).not.toContain(state?.value);
  });

  it("refuses a change form whose CSRF token was made for another administrator's sign-in", async () => {
    const [one, other] = [await createUser('READ_ONLY_ADMIN'), await createUser('READ_ONLY_ADMIN')];
    const [hers, his] = [new Browser(first.url), new Browser(first.url)];
    for (const [browser, admin] of [
      [hers, one],
      [his, other],
    ] as const) {
      await expirePassword(admin);
      const form = await browser.get(second.url, '/admin/signin');
      const signedIn = await browser.post(second.url, '/admin/signin', {
        csrf: csrfOf(form.body),
        username: admin.login,
        password: PASSWORD,
      });
      expect(signedIn.location).toBe('/admin/change-password');
    }
    const foreign = csrfOf((await his.get(first.url, '/admin/change-password')).body);
    const refused = await hers.post(first.url, '/admin/change-password', {
      csrf: foreign,
      oldPassword: PASSWORD,
      newPassword: 'Brand-New-Password-7',
      confirmPassword: 'Brand-New-Password-7',
    });
    expect(refused.status).toBe(403);
    expect((await first.admin('GET', `/api/v1/users/${one.id}`)).body.status).toBe('PASSWORD_EXPIRED');
  });

  describe('the first super administrator', () => {
    const printed = (lines: string[]) =>
      lines.join('\n').match(/type the one-time setup code ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})/)?.[1] ?? '';
    const setupOf = (code: string, login: string, password = PASSWORD) => ({
      code,
      login,
      email: login,
      firstName: 'Grace',
      lastName: 'Hopper',
      password,
    });

    /** The setup page opened in a new browser; `post` fills and sends its form. */
    async function openSetup(instance: string) {
      const browser = new Browser(first.url);
      const form = await browser.get(instance, '/admin/setup');
      expect(form.status).toBe(200);
      return {
        post: (fields: Record<string, string>) =>
          browser.post(instance, '/admin/setup', { csrf: csrfOf(form.body), ...fields }),
      };
    }

    const setup = async (instance: string, fields: Record<string, string>) =>
      (await openSetup(instance)).post(fields);

    async function superAdmins(): Promise<string[]> {
      const db = new Client({ connectionString: first.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ user_id: string }>(
          "SELECT user_id FROM directory_admin_roles WHERE type = 'SUPER_ADMIN'",
        );
        return rows.map((row) => row.user_id);
      } finally {
        await db.end();
      }
    }

    it('takes the code either instance printed, on either instance, and stores neither in clear', async () => {
      const [fromFirst, fromSecond] = [printed(firstLog.lines), printed(secondLog.lines)];
      expect(fromFirst).not.toBe('');
      expect(fromSecond).not.toBe('');
      expect(fromSecond).not.toBe(fromFirst);
      // A password the policy refuses is checked after the code: the code was accepted, and nothing made.
      for (const [instance, code] of [
        [second.url, fromFirst],
        [first.url, fromSecond],
      ]) {
        const answer = await setup(instance, setupOf(code, `weak-${randomUUID()}@example.com`, 'short'));
        expect(answer.status).toBe(400);
        expect(answer.body).toContain('Password requirements were not met');
        expect(answer.body).not.toContain('The setup code is not correct');
      }
      const wrong = await setup(second.url, setupOf('WRNG-CODE-2345', `wrong-${randomUUID()}@example.com`));
      expect(wrong.status).toBe(400);
      expect(wrong.body).toContain('The setup code is not correct');
      const db = new Client({ connectionString: first.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query(
          'SELECT row_to_json(c)::text AS row FROM directory_console_setup_codes c',
        );
        expect(rows).toHaveLength(2);
        for (const { row } of rows)
          for (const code of [fromFirst, fromSecond]) expect(row).not.toContain(code.replace(/-/g, ''));
      } finally {
        await db.end();
      }
      expect(await superAdmins()).toEqual([]);
    });

    it('lets one of two setups at the same moment create the super administrator and tells the other', async () => {
      const [fromFirst, fromSecond] = [printed(firstLog.lines), printed(secondLog.lines)];
      const [one, other, late] = [
        await openSetup(second.url),
        await openSetup(first.url),
        await openSetup(second.url),
      ];
      const answers = await Promise.all([
        one.post(setupOf(fromFirst, `ada-${randomUUID()}@example.com`)),
        other.post(setupOf(fromSecond, `alan-${randomUUID()}@example.com`)),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(answers.find((answer) => answer.status === 200)?.body).toContain('Super administrator created');
      expect(answers.find((answer) => answer.status === 409)?.body).toContain(
        'Another administrator finished the setup first',
      );
      expect(await superAdmins()).toHaveLength(1);

      // Using one code consumed them all.
      for (const instance of [first.url, second.url])
        expect((await new Browser(first.url).get(instance, '/admin/setup')).body).toContain(
          'Setup is closed',
        );
      const after = await late.post(setupOf(fromFirst, `late-${randomUUID()}@example.com`));
      expect(after.status).toBe(409);
      expect(after.body).toContain('Setup already done');
      expect(await superAdmins()).toHaveLength(1);
    });
  });
});
