import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { hash } from '@node-rs/argon2';
import { freePort } from '@lapse/shared/database/free-port';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { runCli } from './program';

jest.setTimeout(60_000);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The CLI as a user runs it, in this process: its streams are captured, stdin is `input`; with `terminal`
 * stdin and stderr say they are a terminal (what a person at a shell has).
 */
async function lapse(
  args: string[],
  env: Record<string, string>,
  input = '',
  terminal = false,
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      isTTY: terminal,
      write: (text: string) => {
        stderr += text;
      },
    },
    stdin: Object.assign(Readable.from([input]), { isTTY: terminal }),
    env,
  });
  return { code, stdout, stderr };
}

/** The built bin as `npx lapse` runs it (`npm test` builds first): its own process, stdin piped. */
function built(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  const child = spawn(process.execPath, [join(__dirname, '../../../dist/libs/cli/src/cli.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const IMPORTED = 1_000;

describe('the admin CLI against the running all-in-one app', () => {
  let app: TestApp;
  let dir: string;
  let env: Record<string, string>;
  let passwordHash: string;
  const run = (...args: string[]) => lapse(args, env);

  beforeAll(async () => {
    app = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), 'lapse-cli-'));
    env = { LAPSE_CONFIG_DIR: join(dir, 'config'), HOME: dir };
    passwordHash = await hash('Imported-Passw0rd!', {
      algorithm: 2,
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
    });
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('lapse login', () => {
    it('refuses a token Lapse does not know with its errorSummary, exit 1, and stores nothing', async () => {
      const result = await lapse(['login', '--url', app.url, '--token-stdin'], env, 'not-a-token\n');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/E0000011 Invalid token provided/);
      await expect(stat(join(dir, 'config', 'credentials.json'))).rejects.toThrow(/ENOENT/);
    });

    it('stores the URL and the token from stdin, file 0600 in a 0700 directory, and never prints it', async () => {
      const result = await lapse(['login', '--url', app.url, '--token-stdin'], env, `${app.adminToken}\n`);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Signed in to ${app.url}`);
      expect(result.stdout + result.stderr).not.toContain(app.adminToken);
      expect((await stat(join(dir, 'config', 'credentials.json'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'config'))).mode & 0o777).toBe(0o700);
    });

    it('refuses to ask for a token when stdin is not a terminal (exit 2)', async () => {
      const result = await lapse(['login', '--url', app.url], {
        ...env,
        LAPSE_CONFIG_DIR: join(dir, 'other'),
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--token-stdin');
    });
  });

  describe('lapse users import', () => {
    it('imports a CSV of 1,000 users with argon2id hashes in batches that fit the body limit', async () => {
      const rows = ['login,email,firstName,lastName,passwordHash,provider'];
      for (let i = 0; i < IMPORTED; i++) {
        rows.push(
          `cli-user-${String(i).padStart(4, '0')}@example.com,cli-${i}@example.com,Ada,Lovelace ${i},"${passwordHash}",IMPORT`,
        );
      }
      const file = join(dir, 'users.csv');
      await writeFile(file, `${rows.join('\n')}\n`);

      const result = await run('--json', 'users', 'import', file);

      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ created: IMPORTED, failed: 0, failures: [] });
      expect(summary.requests).toBeGreaterThan(1);
    });

    it('creates the good users of a refused batch and names each failed one with the reason, exit 1', async () => {
      const file = join(dir, 'users.json');
      const user = (login: string, value = passwordHash) => ({
        profile: { login, email: login },
        credentials: { password: { hash: { algorithm: 'ARGON2', value } } },
      });
      await writeFile(
        file,
        JSON.stringify([
          user('cli-target@example.com'),
          user('cli-user-0001@example.com'),
          user('cli-bad-hash@example.com', '$argon2id$v=19$m=1048576,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'),
          user('cli-other@example.com'),
        ]),
      );

      const result = await run('users', 'import', file);

      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Created 2 users, 2 failed');
      expect(result.stdout).toMatch(
        /item 1 \(cli-user-0001@example.com\): profile\.login: An object with this field already exists/,
      );
      expect(result.stdout).toMatch(
        /item 2 \(cli-bad-hash@example.com\): credentials\.password\.hash\.value: uses more than 256 MiB of memory/,
      );
      expect((await app.admin('GET', '/api/v1/users/cli-other@example.com')).status).toBe(200);
    });
  });

  describe('lapse users list and get', () => {
    it('follows the Link pages past the first 200 users', async () => {
      const result = await run(
        '--json',
        'users',
        'list',
        '--search',
        'profile.login sw "cli-user-"',
        '--limit',
        '250',
      );
      expect(result.code).toBe(0);
      const users = JSON.parse(result.stdout);
      expect(users).toHaveLength(250);
      expect(new Set(users.map((user: { id: string }) => user.id)).size).toBe(250);
    });

    it('prints a table for people', async () => {
      const result = await run('users', 'list', '--filter', 'profile.login eq "cli-user-0007@example.com"');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^ID +STATUS +LOGIN/);
      expect(result.stdout).toMatch(/ACTIVE +cli-user-0007@example.com +cli-7@example.com +IMPORT/);
    });

    it('shows one user by login', async () => {
      const result = await run('--json', 'users', 'get', 'cli-user-0003@example.com');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ profile: { login: 'cli-user-0003@example.com' } });
    });

    it('answers an unknown user with the API errorSummary and exit 1 (as JSON with --json)', async () => {
      const human = await run('users', 'get', 'nobody@example.com');
      expect(human.code).toBe(1);
      expect(human.stderr).toMatch(/^lapse: E0000007 Not found: User not found \(HTTP 404\)\n$/);
      const json = await run('--json', 'users', 'get', 'nobody@example.com');
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stderr)).toMatchObject({
        exitCode: 1,
        details: { status: 404, errorCode: 'E0000007', errorSummary: 'Not found: User not found' },
      });
    });
  });

  describe('lapse users expire', () => {
    it("expires one user's password by login", async () => {
      const result = await run('--json', 'users', 'expire', 'cli-target@example.com');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'PASSWORD_EXPIRED' });
    });

    it('prints the temporary password only with --delivery none, and says so', async () => {
      const shown = await run(
        'users',
        'expire',
        'cli-other@example.com',
        '--temp-password',
        '--delivery',
        'none',
      );
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(
        /Temporary password \(delivery none: hand it to the user yourself\): \S{8,}/,
      );

      const delivered = await run('--json', 'users', 'expire', 'cli-other@example.com', '--temp-password');
      expect(delivered.code).toBe(0);
      const answer = JSON.parse(delivered.stdout);
      expect(answer).toMatchObject({ login: 'cli-other@example.com', delivery: 'auto' });
      expect(answer).not.toHaveProperty('tempPassword');
    });

    it('refuses --delivery without --temp-password (exit 2)', async () => {
      const result = await run('users', 'expire', 'cli-other@example.com', '--delivery', 'email');
      expect(result.code).toBe(2);
    });
  });

  describe('lapse expire-all', () => {
    it('counts the users in scope on a dry run', async () => {
      const result = await run('--json', 'expire-all', '--provider', 'IMPORT', '--dry-run');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        dryRun: true,
        total: IMPORTED,
        perProvider: [{ provider: 'IMPORT', total: IMPORTED }],
      });
      const human = await run('expire-all', '--provider', 'IMPORT', '--dry-run');
      expect(human.stdout).toContain(`Dry run: ${IMPORTED} users would be expired (IMPORT ${IMPORTED}).`);
    });

    it('scopes a dry run to a group given by name', async () => {
      const group = await app.admin('POST', '/api/v1/groups', { profile: { name: 'CLI Engineers' } });
      for (const login of ['cli-user-0010@example.com', 'cli-user-0011@example.com']) {
        const user = await app.admin('GET', `/api/v1/users/${login}`);
        expect((await app.admin('PUT', `/api/v1/groups/${group.body.id}/users/${user.body.id}`)).status).toBe(
          204,
        );
      }
      const result = await run('--json', 'expire-all', '--group', 'cli engineers', '--dry-run');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        total: 2,
        perGroup: [{ groupId: group.body.id, total: 2 }],
      });

      const unknown = await run('expire-all', '--group', 'Nobody Here', '--dry-run');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toBe('lapse: --group: no group is named "Nobody Here"\n');
    });

    it('refuses to run without a terminal to confirm on unless --yes (exit 2), and starts no job', async () => {
      const result = await run('expire-all', '--provider', 'IMPORT');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--yes');
      expect((await app.admin('GET', '/api/v1/jobs')).body).toEqual([]);
    });

    it('on a terminal asks first, and anything but "yes" starts no job (exit 2)', async () => {
      const result = await lapse(['expire-all', '--provider', 'IMPORT'], env, 'no\n', true);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `Expire the passwords of ${IMPORTED} users (IMPORT ${IMPORTED})? Type "yes" to go on: `,
      );
      expect(result.stderr).toContain('not confirmed: nothing was expired');
      expect((await app.admin('GET', '/api/v1/jobs')).body).toEqual([]);
    });

    it('starts no job when no user is in scope', async () => {
      const group = await app.admin('POST', '/api/v1/groups', { profile: { name: 'CLI Nobody' } });
      const result = await run('expire-all', '--group', group.body.id, '--yes');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('No user is in scope: nothing to expire, no job started.\n');
      expect((await app.admin('GET', '/api/v1/jobs')).body).toEqual([]);
    });

    it('with --yes starts the job, shows its progress and prints the counts once it completes', async () => {
      const result = await run('expire-all', '--provider', 'IMPORT', '--yes', '--reason', 'CLI spec');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^job \S+ (RUNNING|COMPLETED): \d+\/1000 done/m);
      expect(result.stdout).toMatch(
        new RegExp(`^Job \\S+ completed: ${IMPORTED} expired, 0 skipped, ${IMPORTED} in scope.`),
      );
      const expired = await run('--json', 'users', 'list', '--filter', 'status eq "PASSWORD_EXPIRED"');
      expect(JSON.parse(expired.stdout).length).toBeGreaterThanOrEqual(IMPORTED);
    });
  });

  describe('lapse jobs', () => {
    it('lists the jobs and shows one, also as JSON', async () => {
      const list = await run('--json', 'jobs', 'list');
      expect(list.code).toBe(0);
      const jobs = JSON.parse(list.stdout);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ status: 'COMPLETED', expired: IMPORTED, reason: 'CLI spec' });

      const table = await run('jobs', 'list');
      expect(table.stdout).toMatch(new RegExp(`${jobs[0].id} +COMPLETED +${IMPORTED} +${IMPORTED}`));

      const shown = await run('jobs', 'show', jobs[0].id, '--watch');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`job ${jobs[0].id} COMPLETED: ${IMPORTED}/${IMPORTED} done`);
      expect(shown.stdout).toContain('reason CLI spec');
    });

    it('answers a job id that is not a UUID with exit 1 and the errorSummary', async () => {
      const result = await run('jobs', 'show', 'not-a-job');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^lapse: E0000001 Api validation failed/);
    });
  });

  describe('lapse expire-all on a terminal, confirmed', () => {
    it('runs the job with a live progress bar until it completes', async () => {
      const group = await app.admin('POST', '/api/v1/groups', { profile: { name: 'CLI Terminal' } });
      const imported = await app.admin('POST', '/api/v1/users/import', {
        users: [1, 2, 3].map((i) => ({
          profile: { login: `cli-terminal-${i}@example.com` },
          credentials: { password: { hash: { algorithm: 'ARGON2', value: passwordHash } } },
          groupIds: [group.body.id],
        })),
      });
      expect(imported.status).toBe(200);

      const result = await lapse(['expire-all', '--group', 'CLI Terminal'], env, 'yes\n', true);

      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Expire the passwords of 3 users (OKTA 3');
      expect(result.stderr).toMatch(/expiring .* \| \d\/3 users \| \d expired, 0 skipped/);
      expect(result.stdout).toMatch(/^Job \S+ completed: 3 expired, 0 skipped, 3 in scope\.\n$/);
    });
  });

  describe('lapse tokens', () => {
    it('creates a token shown once, lists it without the token, and revokes it', async () => {
      const created = await run('--json', 'tokens', 'create', 'cli-spec', '--role', 'READ_ONLY_ADMIN');
      expect(created.code).toBe(0);
      const token = JSON.parse(created.stdout);
      expect(token).toMatchObject({ name: 'cli-spec', role: 'READ_ONLY_ADMIN', token: expect.any(String) });

      const asReader = await lapse(['--json', 'users', 'list', '--limit', '1'], {
        ...env,
        LAPSE_TOKEN: token.token,
      });
      expect(asReader.code).toBe(0);

      const list = await run('tokens', 'list');
      expect(list.stdout).toMatch(new RegExp(`${token.id} +cli-spec +READ_ONLY_ADMIN`));
      expect(list.stdout).not.toContain(token.token);

      const revoked = await run('tokens', 'revoke', token.id);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe(`Token ${token.id} revoked.\n`);

      const refused = await lapse(['users', 'list'], { ...env, LAPSE_TOKEN: token.token });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/E0000011 Invalid token provided/);
    });
  });

  describe('usage and connection errors', () => {
    it('answers an unknown flag with exit 2 and the usage hint', async () => {
      const result = await run('users', 'list', '--colour');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("unknown option '--colour'");
    });

    it('answers a Lapse that cannot be reached with exit 3', async () => {
      const result = await lapse(['users', 'list'], {
        ...env,
        LAPSE_URL: `http://127.0.0.1:${await freePort()}`,
      });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^lapse: cannot connect to http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
      const json = await lapse(['users', 'list', '--json'], {
        ...env,
        LAPSE_URL: `http://127.0.0.1:${await freePort()}`,
      });
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stderr)).toEqual({ error: expect.stringMatching(/ECONNREFUSED$/), exitCode: 3 });
    });

    it('prints --help for every command with exit 0', async () => {
      for (const command of [
        [],
        ['users', 'import'],
        ['expire-all'],
        ['events', 'tail'],
        ['tokens', 'create'],
      ]) {
        const result = await run(...command, '--help');
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^Usage: lapse/);
      }
    });
  });

  describe('the built bin (dist/libs/cli/src/cli.js, what npx lapse runs)', () => {
    it('signs in with the token piped on stdin and answers with the exit codes of its commands', async () => {
      const own = { LAPSE_CONFIG_DIR: join(dir, 'bin-config'), HOME: dir };
      const login = await built(['login', '--url', app.url, '--token-stdin'], own, app.adminToken);
      expect(login).toMatchObject({ code: 0, stderr: '' });
      expect((await stat(join(dir, 'bin-config', 'credentials.json'))).mode & 0o777).toBe(0o600);

      const user = await built(['--json', 'users', 'get', 'cli-user-0002@example.com'], own);
      expect(user.code).toBe(0);
      expect(JSON.parse(user.stdout)).toMatchObject({ profile: { login: 'cli-user-0002@example.com' } });

      expect(await built(['users', 'get', 'nobody@example.com'], own)).toMatchObject({
        code: 1,
        stderr: 'lapse: E0000007 Not found: User not found (HTTP 404)\n',
      });
      expect((await built(['users', 'list', '--colour'], own)).code).toBe(2);
    });
  });

  describe('lapse logout', () => {
    it('removes the stored credentials, after which commands ask to sign in (exit 2)', async () => {
      expect((await run('logout')).stdout).toBe('Signed out: credentials removed.\n');
      await expect(stat(join(dir, 'config', 'credentials.json'))).rejects.toThrow(/ENOENT/);
      const result = await run('users', 'list');
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('not signed in');
    });
  });
});
