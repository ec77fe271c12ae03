import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCHMARKS, parseCommandLine } from './cli';
import { type BenchModule, CLI_FLAGS, UsageError } from './flags';

const fake: BenchModule = {
  summary: 'a benchmark for this spec',
  flags: { users: { value: 'N', default: '10', description: 'users to seed' } },
  run: async () => ({}),
};
const loadFake = async (name: string) => {
  if (name !== 'fake') throw new UsageError(`unknown benchmark "${name}"`);
  return fake;
};

async function usageError(argv: string[]): Promise<string> {
  const outcome = await parseCommandLine(argv, loadFake).then(
    () => 'accepted',
    (error: Error) => (error instanceof UsageError ? error.message : `not a usage error: ${error.message}`),
  );
  return outcome;
}

describe('npm run bench', () => {
  it('lists every benchmark with its summary and flags, and the flags every benchmark takes', async () => {
    const command = await parseCommandLine(['--help']);
    if (!('help' in command)) throw new Error('--help did not answer help');
    for (const name of BENCHMARKS) expect(command.help).toMatch(new RegExp(`^  ${name}: \\S`, 'm'));
    expect(command.help).toMatch(/^ {4}--users N +OKTA users to seed and expire .*\(default 100000\)$/m);
    expect(command.help).toMatch(/^ {4}--scenario expiry\|revocation +/m);
    expect(command.help).toMatch(/^every benchmark also takes:\n {4}--runs N /m);
    expect(command.help).not.toContain('see the header');
  });

  it('documents every flag a benchmark reads in its table', () => {
    for (const name of BENCHMARKS) {
      const source = readFileSync(join(__dirname, `${name}.bench.ts`), 'utf8');
      const read = new Set(
        [...source.matchAll(/args(?:\.([a-z]+)|\['([a-z-]+)'\])/g)].map((match) => match[1] ?? match[2]),
      );
      // The names in the module's `flags` table, read from its source like the flags it reads.
      const table = source.slice(
        source.indexOf('export const flags'),
        source.indexOf('\n};', source.indexOf('export const flags')),
      );
      const documented = new Set([...table.matchAll(/^ {2}'?([a-z-]+)'?: \{/gm)].map((match) => match[1]));
      // A module that repeats its own work is handed the CLI's --runs and --time-limit (flags.ts, ownsRuns).
      if (/^export const ownsRuns = true;$/m.test(source))
        for (const flag of Object.keys(CLI_FLAGS)) documented.add(flag);
      expect({ name, undocumented: [...read].filter((flag) => !documented.has(flag)) }).toEqual({
        name,
        undocumented: [],
      });
    }
  });

  it("answers one benchmark's help after its name", async () => {
    const command = await parseCommandLine(['fake', '--help'], loadFake);
    expect('help' in command && command.help).toMatch(
      /^ {2}fake: a benchmark for this spec\n {4}--users N +users to seed \(default 10\)$/m,
    );
  });

  it('passes known flags on, its own and the CLI ones', async () => {
    const command = await parseCommandLine(['fake', '--users', '5', '--runs', '3'], loadFake);
    expect('args' in command && command.args).toEqual({ users: '5', runs: '3' });
  });

  it('refuses an unknown benchmark, an unknown flag, a flag without its value and a stray argument, naming it', async () => {
    expect(await parseCommandLine(['no-such-bench']).catch((error: Error) => error.message)).toBe(
      `unknown benchmark "no-such-bench" (benchmarks: ${BENCHMARKS.join(', ')})`,
    );
    expect(await usageError(['fake', '--userz', '5'])).toBe(
      'unknown flag --userz for fake (its flags: --users, --runs, --time-limit, --json)',
    );
    expect(await usageError(['fake', '--users'])).toBe('flag --users of fake needs a value');
    expect(await usageError(['fake', '--users', '5', 'stray'])).toBe(
      'unexpected argument stray for fake: flags take the form --name value',
    );
    expect(await usageError([])).toMatch(/which benchmark/);
    expect(await usageError(['--users', '5'])).toBe('the benchmark comes first, before --users');
  });
});
