import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

const IMPORTED = 1_500;

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
    it('imports a CSV of 1,500 users with argon2id hashes in batches of at most 1,000', async () => {
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
      expect(summary.requests).toBe(2);
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
      expect(result.stderr).toMatch(new RegExp(`^job \\S+ (RUNNING|COMPLETED): \\d+/${IMPORTED} done`, 'm'));
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

  describe('lapse expire-all scoped to listed users, filters and searches', () => {
    let scoped: { id: string; login: string }[];
    let groupId: string;

    beforeAll(async () => {
      groupId = (await app.admin('POST', '/api/v1/groups', { profile: { name: 'CLI Listed' } })).body.id;
      const imported = await app.admin('POST', '/api/v1/users/import', {
        users: [1, 2, 3, 4].map((i) => ({
          profile: { login: `cli-listed-${i}@example.com`, lastName: 'Listed' },
          credentials: { password: { hash: { algorithm: 'ARGON2', value: passwordHash } } },
          ...(i <= 2 ? { groupIds: [groupId] } : {}),
        })),
      });
      expect(imported.status).toBe(200);
      scoped = [];
      for (const i of [1, 2, 3, 4]) {
        const user = await app.admin('GET', `/api/v1/users/cli-listed-${i}@example.com`);
        scoped.push({ id: user.body.id, login: user.body.profile.login });
      }
    });

    it('counts the users a file lists by id or login, and names the ids and logins no user has', async () => {
      const unknownId = randomUUID();
      const file = join(dir, 'listed.txt');
      await writeFile(
        file,
        [
          '# breach list',
          scoped[0].id.toUpperCase(),
          scoped[1].login,
          '',
          scoped[2].login,
          scoped[0].id,
          unknownId,
          'nobody-listed@example.com',
        ].join('\n'),
      );

      const json = await run('--json', 'expire-all', '--users', file, '--dry-run');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        total: 3,
        scopedUsers: 3,
        unknownUserIds: { total: 1, first: [unknownId] },
        unknownLogins: { total: 1, first: ['nobody-listed@example.com'] },
      });

      const human = await run('expire-all', '--users', file, '--group', 'CLI Listed', '--dry-run');
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('Dry run: 2 users would be expired (OKTA 2, IMPORT 0).');
      expect(human.stdout).toContain(`  group ${groupId}: 2`);
      expect(human.stdout).toContain(`  unknown ids: 1 (${unknownId}): a run refuses the list`);
      expect(human.stdout).toContain(
        '  unknown logins: 1 (nobody-listed@example.com): a run refuses the list',
      );
    });

    it('refuses to run a list with a login no user has (exit 2), and starts no job', async () => {
      const file = join(dir, 'listed-wrong.txt');
      await writeFile(file, `${scoped[0].login}\nnobody-listed@example.com\n`);
      const jobs = (await app.admin('GET', '/api/v1/jobs?limit=200')).body.length;
      const result = await run('expire-all', '--users', file, '--yes');
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        "lapse: --users: 1 login is no user's (nobody-listed@example.com): fix the list (--dry-run lists them); nothing was expired\n",
      );
      expect((await app.admin('GET', '/api/v1/jobs?limit=200')).body).toHaveLength(jobs);
    });

    it('reads a CSV with an id column (a login where the id is empty)', async () => {
      const file = join(dir, 'listed.csv');
      // Written by a spreadsheet: a byte order mark and CRLF line ends.
      await writeFile(file, `\ufeffname,id,login\r\nfirst,${scoped[0].id},\r\nthird,,${scoped[2].login}\r\n`);
      const result = await run('--json', 'expire-all', '--users', file, '--dry-run');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ total: 2, scopedUsers: 2 });

      const headless = join(dir, 'no-id.csv');
      await writeFile(headless, `name,email\nfirst,${scoped[0].login}\n`);
      const refused = await run('expire-all', '--users', headless, '--dry-run');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(`lapse: --users: ${headless}: the header row has no id column\n`);
    });

    it('refuses a list of more than 100,000 users before sending anything (exit 2)', async () => {
      const file = join(dir, 'too-many.txt');
      await writeFile(file, Array.from({ length: 100_001 }, () => randomUUID()).join('\n'));
      const result = await run('expire-all', '--users', file, '--dry-run');
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `lapse: --users: ${file} lists more than 100,000 users, the most one expiry takes for now: split the list into several runs\n`,
      );
    });

    it('looks up at most 1,000 logins, and asks for ids beyond (exit 2)', async () => {
      const file = join(dir, 'many-logins.txt');
      await writeFile(file, Array.from({ length: 1_001 }, (_, i) => `someone-${i}@example.com`).join('\n'));
      const result = await run('expire-all', '--users', file, '--dry-run');
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `lapse: --users: ${file} lists 1001 logins; the CLI looks up at most 1000 (one request each): give user ids instead\n`,
      );
    });

    it('scopes by --filter and --search with the providers, and answers a bad expression with exit 1', async () => {
      const filtered = await run(
        '--json',
        'expire-all',
        '--filter',
        'profile.lastName eq "Listed"',
        '--provider',
        'IMPORT',
        '--dry-run',
      );
      expect(filtered.code).toBe(0);
      expect(JSON.parse(filtered.stdout)).toMatchObject({ total: 0, scopedUsers: 4 });

      const searched = await run(
        '--json',
        'expire-all',
        '--search',
        'profile.login sw "cli-listed-"',
        '--dry-run',
      );
      expect(searched.code).toBe(0);
      expect(JSON.parse(searched.stdout)).toMatchObject({
        total: 4,
        perProvider: [
          { provider: 'OKTA', total: 4 },
          { provider: 'IMPORT', total: 0 },
        ],
      });

      const bad = await run('expire-all', '--filter', 'profile.lastName is "Listed"', '--dry-run');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^lapse: E0000001 .*filter: Invalid search criteria.*\(HTTP 400\)\n$/);
    });
  });

  describe('lapse expire-all in waves, jobs show and jobs cancel', () => {
    let jobId: string;
    const filter = 'profile.lastName eq "Waves"';

    beforeAll(async () => {
      const imported = await app.admin('POST', '/api/v1/users/import', {
        users: [1, 2, 3, 4, 5].map((i) => ({
          profile: { login: `cli-waves-${i}@example.com`, lastName: 'Waves' },
          credentials: { password: { hash: { algorithm: 'ARGON2', value: passwordHash } } },
        })),
      });
      expect(imported.status).toBe(200);
    });

    it('refuses --waves without --wave-interval, and a wave interval over a week (exit 2)', async () => {
      const alone = await run('expire-all', '--filter', filter, '--waves', '2', '--dry-run');
      expect(alone.code).toBe(2);
      expect(alone.stderr).toBe('lapse: --waves and --wave-interval go together\n');
      const long = await run('expire-all', '--filter', filter, '--waves', '2', '--wave-interval', '10081');
      expect(long.code).toBe(2);
      expect(long.stderr).toContain('--wave-interval: at most 10080 minutes');
    });

    it('plans the waves on a dry run', async () => {
      const result = await run(
        'expire-all',
        '--filter',
        filter,
        '--waves',
        '2',
        '--wave-interval',
        '60',
        '--dry-run',
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Dry run: 5 users would be expired (OKTA 5, IMPORT 0).');
      expect(result.stdout).toMatch(/^ {2}wave 1: 2 users from \S+$/m);
      expect(result.stdout).toMatch(/^ {2}wave 3: 1 user from \S+$/m);
    });

    it('starts the first wave, prints the waves and returns; jobs show lists them', async () => {
      const result = await lapse(
        ['expire-all', '--filter', filter, '--waves', '2', '--wave-interval', '60'],
        env,
        'yes\n',
        true,
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        'Expire the passwords of 5 users (OKTA 5, IMPORT 0) in 3 waves of up to 2, 60 min apart? Type "yes" to go on: ',
      );
      expect(result.stdout).toContain('waves of up to 2 users, 60 min apart');
      expect(result.stdout).toMatch(/^WAVE +STATE +SIZE +STARTS +STARTED +COMPLETED$/m);
      expect(result.stdout).toMatch(/^1 +RUNNING +2 +\S+ +\S+$/m);
      expect(result.stdout).toMatch(/^2 +PENDING +2 +\S+$/m);
      expect(result.stdout).toMatch(/^3 +PENDING +1 +\S+$/m);
      jobId = /^job (\S+) RUNNING/m.exec(result.stdout)?.[1] ?? '';
      expect(result.stdout).toContain(`lapse jobs cancel ${jobId}`);

      const shown = await run('jobs', 'show', jobId);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`filter ${filter}`);
      expect(shown.stdout).toMatch(/^3 +PENDING +1 +\S+$/m);
    });

    it('asks before cancelling: refuses without a terminal or --yes, and "no" cancels nothing (exit 2)', async () => {
      const piped = await run('jobs', 'cancel', jobId);
      expect(piped.code).toBe(2);
      expect(piped.stderr).toContain('--yes');

      const declined = await lapse(['jobs', 'cancel', jobId], env, 'no\n', true);
      expect(declined.code).toBe(2);
      expect(declined.stderr).toContain(
        `Cancel 2 waves not started (3 users) of job ${jobId}? Type "yes" to go on: `,
      );
      expect(declined.stderr).toContain('not confirmed: nothing was cancelled');
      const job = (await app.admin('GET', `/api/v1/jobs/${jobId}`)).body;
      expect(job.waves.map((wave: { state: string }) => wave.state).slice(1)).toEqual(['PENDING', 'PENDING']);
    });

    it('cancels the waves not started with --yes; the job completes with the first wave; a second cancel is refused by the API without a question (exit 1)', async () => {
      const cancelled = await run('jobs', 'cancel', jobId, '--yes');
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout).toContain(`Job ${jobId}: the waves not started are cancelled (3 users).`);
      expect(cancelled.stdout).toMatch(/^2 +CANCELLED +2 +\S+ +\S+$/m);
      expect(cancelled.stdout).toMatch(/^3 +CANCELLED +1 +\S+ +\S+$/m);

      const watched = await run('--json', 'jobs', 'show', jobId, '--watch');
      expect(watched.code).toBe(0);
      const job = JSON.parse(watched.stdout);
      expect(job).toMatchObject({ status: 'COMPLETED', total: 2, expired: 2, cancelled: 3 });
      expect(job.waves.map((wave: { state: string }) => wave.state)).toEqual([
        'COMPLETED',
        'CANCELLED',
        'CANCELLED',
      ]);
      // The waves run in id order: the first wave's two users are expired, the cancelled waves' three are not.
      const statuses: string[] = [];
      for (const i of [1, 2, 3, 4, 5])
        statuses.push((await app.admin('GET', `/api/v1/users/cli-waves-${i}@example.com`)).body.status);
      expect(statuses.filter((status) => status === 'PASSWORD_EXPIRED')).toHaveLength(2);
      expect(statuses.filter((status) => status === 'ACTIVE')).toHaveLength(3);

      const again = await lapse(['jobs', 'cancel', jobId], env, '', true);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^lapse: E0000038 .*: The job has completed\. \(HTTP 403\)\n$/);
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
        ['jobs', 'cancel'],
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
