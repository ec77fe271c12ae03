import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import { spawn } from 'node:child_process';
import { type RunningEntryPoint, repoRoot, runEntryPoint } from './support/built-entry-point';

function start(env: Record<string, string>): RunningEntryPoint {
  return runEntryPoint('dist/apps/main.js', env);
}

async function waitReady(url: string, deadlineMs: number): Promise<boolean> {
  while (Date.now() < deadlineMs) {
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

// These specs run the built entry point (`npm test` builds first), the way `npm start` does.
describe('npm start (all-in-one on embedded PostgreSQL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lapse-start-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('becomes ready on a fresh data folder, prints its URLs and a generated admin token, and stops on SIGTERM', async () => {
    const port = await freePort();
    const run = start({ PORT: String(port), DATA_DIR: dataDir, ADMIN_API_TOKEN: '', DATABASE_URL: '' });
    const startedAt = Date.now();
    try {
      expect(await waitReady(`http://127.0.0.1:${port}`, startedAt + 15_000)).toBe(true);
      expect(run.output()).toContain(`Lapse listening on http://localhost:${port}`);
      const token = (await readFile(join(dataDir, 'admin-api-token'), 'utf8')).trim();
      // Once, on a line of its own set apart by rules, and in no JSON log record.
      expect(run.output().split(token)).toHaveLength(2);
      const printed = run.output().split('\n');
      const at = printed.findIndex((line) => line.includes(token));
      expect(printed[at].trim()).toBe(`Admin token: ${token}`);
      expect(printed[at - 1]).toMatch(/^ +={20,}$/);
      expect(printed[at + 2]).toMatch(/^ +={20,}$/);
      const users = await fetch(`http://127.0.0.1:${port}/api/v1/users`, {
        headers: { authorization: 'SSWS wrong' },
      });
      expect(users.status).toBe(401);
    } finally {
      run.child.kill('SIGTERM');
    }
    const exitCode = await run.exited;
    // On a failure, what the process printed (without the line carrying the generated token) says why.
    const printed =
      exitCode === 0 ? '' : run.output().replace(/^.*(Admin token|Mail login).*$/gm, '[line with a secret]');
    expect({ exitCode, printed }).toEqual({ exitCode: 0, printed: '' });
  }, 30_000);

  it("stops the service when `npm start`'s shell gets SIGTERM (npm passes a signal on to that shell)", async () => {
    const script = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).scripts.start as string;
    const build = 'npm run build && ';
    expect(script.startsWith(build)).toBe(true);
    const port = await freePort();
    const data = await mkdtemp(join(tmpdir(), 'lapse-start-signal-'));
    // What the script runs after the build, through a shell as npm runs it. The build is left out: the suite
    // built already, and rewriting dist/ under specs running meanwhile would race them.
    const shell = spawn('sh', ['-c', script.slice(build.length)], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: data,
        ADMIN_API_TOKEN: '',
        DATABASE_URL: '',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
      // Its own process group, so that whatever it leaves behind can be killed with it.
      detached: true,
    });
    const exited = new Promise<number | null>((done) => shell.once('exit', (code) => done(code)));
    const url = `http://127.0.0.1:${port}`;
    try {
      expect(await waitReady(url, Date.now() + 40_000)).toBe(true);
      shell.kill('SIGTERM');
      expect(await exited).toBe(0);
      // A shell that only died itself would leave the service running, still answering on its port.
      const answer = await fetch(`${url}/health/ready`).then(
        (response) => response.status,
        () => 'closed',
      );
      expect(answer).toBe('closed');
    } finally {
      try {
        process.kill(-(shell.pid as number), 'SIGKILL');
      } catch {
        // the group has ended
      }
      await rm(data, { recursive: true, force: true });
    }
  }, 60_000);

  it('stops at start with a message naming a bad variable', async () => {
    const run = start({ PORT: 'eighty', DATA_DIR: dataDir });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('PORT must be a whole number');
  }, 15_000);

  it('lists every configuration problem at once, one line each, without a stack or a secret value', async () => {
    const secret = 'a-service-token-too-short';
    const run = start({
      DATA_DIR: dataDir,
      PORT: 'eighty',
      SERVICE_API_TOKEN: secret,
      SESSION_IDLE_MINUTES: '600',
      SESSION_MAX_LIFETIME_MINUTES: '60',
    });
    expect(await run.exited).toBe(1);
    const lines = run.output().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Invalid configuration: PORT must be a whole number from 1 to 65535',
        'Invalid configuration: SERVICE_API_TOKEN must be at least 32 characters long',
        'Invalid configuration: SESSION_MAX_LIFETIME_MINUTES must be at least SESSION_IDLE_MINUTES',
      ]),
    );
    expect(run.output()).not.toMatch(/^ {4}at /m);
    expect(run.output()).not.toContain(secret);
  }, 15_000);
});
