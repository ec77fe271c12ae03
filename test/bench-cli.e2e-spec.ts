import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support/built-entry-point';

/** The built bench CLI, as `npm run bench -- …` runs it (`npm test` builds first). */
function bench(...argv: string[]) {
  const run = spawnSync(process.execPath, [join(repoRoot, 'dist/libs/bench/src/cli.js'), ...argv], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run bench (the built CLI)', () => {
  it('--help lists the benchmarks and exits 0', () => {
    const run = bench('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ {2}bulk-expiry: .*\n {4}--users N /m);
  });

  it('exits 2 naming an unknown flag or benchmark, before running anything', () => {
    const flag = bench('bulk-expiry', '--userz', '10');
    expect({ status: flag.status, stderr: flag.stderr.split('\n')[0] }).toEqual({
      status: 2,
      stderr: expect.stringMatching(/^bench: unknown flag --userz for bulk-expiry /),
    });
    const name = bench('bulk-expiri');
    expect({ status: name.status, stderr: name.stderr.split('\n')[0] }).toEqual({
      status: 2,
      stderr: expect.stringMatching(/^bench: unknown benchmark "bulk-expiri"/),
    });
  });
});
