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

  describe('peer-keycloak', () => {
    it('--help lists its flags and its own time limit', () => {
      const run = bench('peer-keycloak', '--help');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^ {2}peer-keycloak: Keycloak and Lapse side by side/m);
      for (const flag of [
        '--users N',
        '--seconds S',
        '--concurrency A,B',
        '--quick yes|no',
        '--peers keycloak,lapse',
      ])
        expect(run.stdout).toContain(flag);
      expect(run.stdout).toContain('(a run stops after 1800 s unless --time-limit says otherwise)');
    });

    it('refuses a bad value with a message before fetching or starting anything', () => {
      const quick = bench('peer-keycloak', '--quick', 'maybe');
      expect({ status: quick.status, stderr: quick.stderr.trim() }).toEqual({
        status: 1,
        stderr: 'bench failed: --quick takes yes or no',
      });
      const peers = bench('peer-keycloak', '--peers', 'okta');
      expect({ status: peers.status, stderr: peers.stderr.trim() }).toEqual({
        status: 1,
        stderr: 'bench failed: --peers: keycloak, lapse or both (comma-separated)',
      });
    });
  });
});
