import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type BenchModule, CLI_FLAGS, describeBenchmarks, parseBenchArgs, USAGE, UsageError } from './flags';
import { summariseRuns } from './repeat';

/**
 * `npm run bench -- <name> [--flag value ...] [--runs N] [--time-limit S] [--json FILE]` (`--help`: every
 * benchmark and its flags; an unknown benchmark or flag exits 2): runs
 * `libs/bench/src/<name>.bench.ts`, prints its figures and saves them (to FILE, and always to
 * bench-results/<name>[-<scenario>][-<transport>].json). With `--runs N` the benchmark runs N times, each in a fresh
 * process, and the figures are each run's plus the median and range of every number. A run that has not
 * finished within `--time-limit` seconds (default 1200) is stopped and the benchmark fails.
 */
export type BenchArgs = Record<string, string>;

/**
 * Every benchmark, as `--help` lists them: the modules `<name>.bench.ts` of this folder (`.bench.js` once
 * built), each exporting `run`, a one-line `summary` and its `flags` table (flags.ts). Read from the folder,
 * so a new benchmark is listed as soon as it exists (its flags unchecked until it exports a table).
 */
export const BENCHMARKS: readonly string[] = readdirSync(__dirname)
  .map((file) => /^([a-z0-9-]+)\.bench\.(?:js|ts)$/.exec(file)?.[1])
  .filter((name): name is string => name !== undefined)
  .sort();

const DEFAULT_TIME_LIMIT_SECONDS = 1200;

async function load(name: string): Promise<BenchModule> {
  if (!BENCHMARKS.includes(name)) {
    throw new UsageError(`unknown benchmark "${name}" (benchmarks: ${BENCHMARKS.join(', ')})`);
  }
  return (await import(`./${name}.bench`)) as BenchModule;
}

/**
 * The command line: a benchmark and its flags, or `--help` (alone: every benchmark; after a name: that one).
 * Mistakes are `UsageError`s, which exit 2.
 */
export async function parseCommandLine(
  argv: readonly string[],
  loadModule: (name: string) => Promise<BenchModule> = load,
): Promise<{ help: string } | { name: string; module: BenchModule; args: BenchArgs }> {
  const [name, ...rest] = argv;
  const wantsHelp = (list: readonly string[]) => list.includes('--help') || list.includes('-h');
  if (name === undefined || name === '--help' || name === '-h') {
    if (name === undefined) throw new UsageError('which benchmark? (npm run bench -- --help lists them)');
    const modules = await Promise.all(
      BENCHMARKS.map(async (each) => [each, await loadModule(each)] as const),
    );
    return { help: describeBenchmarks(modules) };
  }
  if (name.startsWith('-')) throw new UsageError(`the benchmark comes first, before ${name}`);
  const module = await loadModule(name);
  if (wantsHelp(rest)) return { help: describeBenchmarks([[name, module]]) };
  return { name, module, args: parseBenchArgs(name, module.flags, rest) };
}

function positiveInteger(args: BenchArgs, flag: string, fallback: number): number {
  if (args[flag] === undefined) return fallback;
  const value = Number(args[flag]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} takes a whole number of at least 1`);
  return value;
}

async function runOnce(module: BenchModule, args: BenchArgs): Promise<object> {
  const own = Object.fromEntries(Object.entries(args).filter(([flag]) => !(flag in CLI_FLAGS)));
  return module.run(own);
}

/**
 * One run in a child process (its own PostgreSQL, broker and heap, nothing left over from the run before),
 * bounded in time: past the limit it is sent SIGTERM, then SIGKILL, and the benchmark fails.
 */
async function runInChild(name: string, args: BenchArgs, timeLimitMs: number): Promise<object> {
  const dir = await mkdtemp(join(tmpdir(), 'lapse-bench-run-'));
  const out = join(dir, 'figures.json');
  const flags = Object.entries(args)
    .filter(([flag]) => !(flag in CLI_FLAGS))
    .flatMap(([flag, value]) => [`--${flag}`, value]);
  try {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        __filename,
        name,
        ...flags,
        '--json',
        out,
        '--time-limit',
        String(timeLimitMs / 1000),
      ],
      // Its own process group, so that stopping it stops the PostgreSQL it started too.
      { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
    );
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        // already gone
      }
    };
    const stopAndExit = () => {
      stop('SIGTERM');
      process.exit(1);
    };
    process.once('SIGINT', stopAndExit);
    process.once('SIGTERM', stopAndExit);
    const code = await new Promise<number | null>((done) => {
      let killer: NodeJS.Timeout | undefined;
      const limit = setTimeout(() => {
        process.stderr.write(
          `bench: a run of ${name} passed its time limit of ${timeLimitMs / 1000} s; stopping it\n`,
        );
        stop('SIGTERM');
        killer = setTimeout(() => stop('SIGKILL'), 15_000);
      }, timeLimitMs);
      child.on('exit', (status) => {
        clearTimeout(limit);
        clearTimeout(killer);
        process.off('SIGINT', stopAndExit);
        process.off('SIGTERM', stopAndExit);
        done(status);
      });
    });
    if (code !== 0) throw new Error(`a run of ${name} failed (exit ${code})`);
    const { benchmark: _b, at: _a, args: _g, ...figures } = JSON.parse(await readFile(out, 'utf8'));
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const command = await parseCommandLine(process.argv.slice(2));
  if ('help' in command) {
    process.stdout.write(command.help);
    process.exit(0);
  }
  const { name, module, args } = command;
  const runs = positiveInteger(args, 'runs', 1);
  const timeLimitMs =
    positiveInteger(args, 'time-limit', module.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS) * 1000;
  let figures: object;
  if (module.ownsRuns) {
    figures = await module.run({ ...args, runs: String(runs), 'time-limit': String(timeLimitMs / 1000) });
  } else if (runs === 1) {
    const limit = setTimeout(() => {
      process.stderr.write(`bench failed: ${name} did not finish within ${timeLimitMs / 1000} s\n`);
      process.exit(1);
    }, timeLimitMs);
    figures = await runOnce(module, args);
    clearTimeout(limit);
  } else {
    const perRun: object[] = [];
    for (let run = 1; run <= runs; run++) {
      process.stderr.write(`bench: ${name} run ${run} of ${runs}\n`);
      perRun.push(await runInChild(name, args, timeLimitMs));
    }
    figures = summariseRuns(perRun as Record<string, unknown>[]);
  }
  const text = `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), args, ...figures }, null, 2)}\n`;
  process.stdout.write(text);
  const variant = `${args.scenario ? `-${args.scenario}` : ''}${args.transport ? `-${args.transport}` : ''}`;
  const targets = [resolve('bench-results', `${name}${variant}.json`)];
  if (args.json) targets.push(resolve(args.json));
  for (const file of targets) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  process.exit(0);
}

if (require.main === module) {
  main().catch((error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
