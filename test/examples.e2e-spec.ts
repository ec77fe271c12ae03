import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';
import { repoRoot } from './support/built-entry-point';

const run = promisify(execFile);

/**
 * README "Examples": the Okta Node SDK example (examples/okta-sdk/expire-password.js) run as a reader runs
 * it, a process of its own with LAPSE_URL and LAPSE_TOKEN, against the real all-in-one app.
 */
describe('the Okta SDK example', () => {
  let lapse: TestApp;
  beforeAll(async () => {
    lapse = await startTestApp({ env: { PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_ITERATIONS: '1' } });
  }, 60_000);
  afterAll(() => lapse?.close());

  const password = 'Correct-Horse-7';
  async function createUser(): Promise<string> {
    const login = `example-${randomBytes(4).toString('hex')}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    return login;
  }
  async function example(...args: string[]): Promise<Record<string, string>> {
    const { stdout } = await run(
      process.execPath,
      [join(repoRoot, 'examples/okta-sdk/expire-password.js'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, LAPSE_URL: lapse.url, LAPSE_TOKEN: lapse.adminToken },
        timeout: 30_000,
      },
    );
    return JSON.parse(stdout);
  }

  it('expires a password: the user must choose a new one at the next sign-in', async () => {
    const login = await createUser();
    expect(await example(login)).toEqual({ id: expect.any(String), status: 'PASSWORD_EXPIRED' });
    const signIn = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: login, password }),
      (answer) => answer.body.status === 'PASSWORD_EXPIRED',
    );
    expect(signIn.body.status).toBe('PASSWORD_EXPIRED');
  });

  it('expires with a temporary password, which signs in once and asks for a new one', async () => {
    const login = await createUser();
    const { tempPassword } = await example(login, '--temporary-password');
    expect(tempPassword.length).toBeGreaterThanOrEqual(12);
    const signIn = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: login, password: tempPassword }),
      (answer) => answer.body.status === 'PASSWORD_EXPIRED',
    );
    expect(signIn.body.status).toBe('PASSWORD_EXPIRED');
    const old = await lapse.request('POST', '/api/v1/authn', { username: login, password });
    expect(old.status).toBe(401);
  });

  it('says what went wrong in Okta words, exit 1, for a user that does not exist', async () => {
    const failed = await example('nobody@example.com').then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr.trim() }),
    );
    expect(failed).toEqual({
      code: 1,
      stderr: expect.stringMatching(/^E0000007 Not found: /),
    });
  });
});
