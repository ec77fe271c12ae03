import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { summariseRuns } from './repeat';

/**
 * `npm run bench -- <name> [--flag value ...] [--runs N] [--time-limit S] [--json FILE]`: runs
 * `libs/bench/src/<name>.bench.ts`, prints its figures and saves them (to FILE, and always to
 * bench-results/<name>[-<scenario>][-<transport>].json). With `--runs N` the benchmark runs N times, each in a fresh
 * process, and the figures are each run's plus the median and range of every number. A run that has not
 * finished within `--time-limit` seconds (default 1200) is stopped and the benchmark fails.
 */
export type BenchArgs = Record<string, string>;

const DEFAULT_TIME_LIMIT_SECONDS = 1200;
/** Flags the CLI itself takes; the benchmark never sees them. */
const CLI_FLAGS = ['runs', 'time-limit', 'json'];

function parse(argv: string[]): { name: string; args: BenchArgs } {
  const [name, ...rest] = argv;
  if (!name || name.startsWith('--'))
    throw new Error(
      'usage: npm run bench -- <name> [--flag value ...] [--runs N] [--time-limit S] [--json FILE]',
    );
  const args: BenchArgs = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (!flag.startsWith('--')) throw new Error(`unexpected argument: ${flag}`);
    const value = rest[i + 1] && !rest[i + 1].startsWith('--') ? rest[++i] : 'true';
    args[flag.slice(2)] = value;
  }
  return { name, args };
}

function positiveInteger(args: BenchArgs, flag: string, fallback: number): number {
  if (args[flag] === undefined) return fallback;
  const value = Number(args[flag]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} takes a whole number of at least 1`);
  return value;
}

async function runOnce(name: string, args: BenchArgs): Promise<object> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`unknown benchmark: ${name}`);
  let bench: { run(args: BenchArgs): Promise<object> };
  try {
    bench = await import(`./${name}.bench`);
  } catch (error) {
    throw new Error(`unknown benchmark "${name}": ${(error as Error).message}`);
  }
  return bench.run(args);
}

/**
 * One run in a child process (its own PostgreSQL, broker and heap, nothing left over from the run before),
 * bounded in time: past the limit it is sent SIGTERM, then SIGKILL, and the benchmark fails.
 */
async function runInChild(name: string, args: BenchArgs, timeLimitMs: number): Promise<object> {
  const dir = await mkdtemp(join(tmpdir(), 'lapse-bench-run-'));
  const out = join(dir, 'figures.json');
  const flags = Object.entries(args)
    .filter(([flag]) => !CLI_FLAGS.includes(flag))
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
  const { name, args } = parse(process.argv.slice(2));
  const runs = positiveInteger(args, 'runs', 1);
  const timeLimitMs = positiveInteger(args, 'time-limit', DEFAULT_TIME_LIMIT_SECONDS) * 1000;
  let figures: object;
  if (runs === 1) {
    const limit = setTimeout(() => {
      process.stderr.write(`bench failed: ${name} did not finish within ${timeLimitMs / 1000} s\n`);
      process.exit(1);
    }, timeLimitMs);
    figures = await runOnce(name, args);
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

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
