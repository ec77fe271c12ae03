import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { BenchFlags } from './flags';
import { type EntryResult, type Machine, renderReport, withReport } from './report/render';
import { summariseRuns } from './repeat';

/**
 * `npm run bench -- report [--runs 5] [--only a,b] [--quick yes] [--out docs/performance.md]`
 *
 * Runs the suite below, each entry `--runs` times in fresh processes (through this CLI, so each run has its
 * own time limit, `--time-limit`, and fails on its own), and writes the report into `--out` between its
 * markers (the rest of the file, the measured history, is kept), with SVG charts in `<out dir>/performance/`:
 * the bulk expiry's fan-out over time (each run), latency distributions (transport and expiry latency, both
 * transports) and sign-ins against the raw argon2id verification rate, and the machine it ran on.
 * `--quick yes` runs every entry at a small size, to check the report itself; its figures are not for docs.
 * A whole report at the defaults takes about an hour on a 2-core machine.
 */
export const summary = 'runs the suite --runs times and writes the report with SVG charts into docs/';

export const ownsRuns = true;

export const flags: BenchFlags = {
  only: { value: 'LIST', description: `comma-separated suite entries (default: all)` },
  quick: { value: 'yes|no', default: 'no', description: 'small sizes, to check the report works' },
  out: { value: 'FILE', default: 'docs/performance.md', description: 'the document the report goes into' },
};

interface Entry {
  readonly id: string;
  readonly title: string;
  readonly bench: string;
  readonly args: Record<string, string>;
  readonly quick: Record<string, string>;
  readonly show: ReadonlyArray<readonly [string, string]>;
}

const LATENCY: ReadonlyArray<readonly [string, string]> = [
  ['p50Ms', 'median latency, ms'],
  ['p99Ms', '99th percentile, ms'],
];

export const SUITE: readonly Entry[] = [
  ...(['kafka', 'embedded'] as const).map((transport) => ({
    id: `transport-${transport}`,
    title: `transport, ${transport}`,
    bench: 'transport',
    args: { transport },
    quick: { events: '5000', seconds: '3' },
    show: [
      ['eventsPerSec', 'backlog drained, events/s'],
      ...LATENCY.map(
        ([key, meaning]) => [key, `${meaning} at 1,000 events/s, append → consumer commit`] as const,
      ),
    ] as const,
  })),
  ...(['kafka', 'embedded'] as const).map((transport) => ({
    id: `expiry-latency-${transport}`,
    title: `expiry latency, ${transport}`,
    bench: 'expiry-latency',
    args: { transport, samples: '1000' },
    quick: { samples: '50' },
    show: LATENCY.map(([key, meaning]) => [key, `${meaning}, admin's 200 → sign-in refused`] as const),
  })),
  {
    id: 'bulk-expiry-kafka',
    title: 'bulk expiry, Kafka',
    bench: 'bulk-expiry',
    args: { transport: 'kafka', users: '100000' },
    quick: { users: '2000' },
    show: [
      ['enforcementMs', '202 → every sampled user refused, ms'],
      ['fanoutUsersPerSec', 'per-user PasswordExpired appended, users/s'],
      ['deliveredUsersPerSec', "identity holds each user's expiry, users/s"],
      ['peakRssMb', 'peak RSS of a service, MB'],
    ],
  },
  {
    id: 'sign-in',
    title: 'sign-in (OWASP argon2id parameters)',
    bench: 'sign-in',
    args: { seconds: '20' },
    quick: { seconds: '2', rounds: '1', 'overhead-samples': '100' },
    show: [
      ['signInsPerSec', 'sign-ins per second'],
      ['hashVerifiesPerSec', 'raw argon2id verifications per second'],
      ['ratio', 'sign-ins ÷ raw verifications'],
      ['gateOverheadP99Ms', "the gate's own time, p99, ms"],
    ],
  },
];

function machine(commit: string): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    commit,
    at: new Date().toISOString(),
    loadAverageAtStart: loadavg(),
  };
}

function currentCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    });
    return dirty.trim() === '' ? sha : `${sha} with uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** One entry, `runs` times, through this CLI in a child process; its figures as the CLI saved them. */
async function runEntry(entry: Entry, args: Record<string, string>, runs: number, timeLimit: string) {
  const dir = await mkdtemp(join(tmpdir(), 'lapse-bench-report-'));
  const out = join(dir, 'figures.json');
  const flagList = Object.entries(args).flatMap(([flag, value]) => [`--${flag}`, value]);
  const command = ['npm run bench --', entry.bench, ...flagList, '--runs', String(runs)].join(' ');
  process.stderr.write(`report: ${command}\n`);
  try {
    const cli = require.resolve('./cli');
    const code = await new Promise<number | null>((done) => {
      const child = spawn(
        process.execPath,
        [
          ...process.execArgv,
          cli,
          entry.bench,
          ...flagList,
          '--runs',
          String(runs),
          '--time-limit',
          timeLimit,
          '--json',
          out,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      child.on('exit', done);
    });
    if (code !== 0) throw new Error(`${command} failed (exit ${code})`);
    const { benchmark: _b, at: _a, args: _g, ...figures } = JSON.parse(await readFile(out, 'utf8'));
    const repeated = runs === 1 ? summariseRuns([figures]) : figures;
    return { ...repeated, command } as Pick<EntryResult, 'median' | 'range' | 'perRun' | 'runs' | 'command'>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(args: Record<string, string>): Promise<object> {
  const runs = Number(args.runs ?? 1);
  const quick = args.quick === 'yes';
  if (args.quick !== undefined && !['yes', 'no'].includes(args.quick))
    throw new Error('--quick takes yes or no');
  const only = args.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !SUITE.some((entry) => entry.id === id)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `unknown suite entries: ${unknown.join(', ')} (${SUITE.map((entry) => entry.id).join(', ')})`,
    );
  const out = resolve(args.out ?? 'docs/performance.md');
  const chartsDir = join(dirname(out), 'performance');
  const about = machine(currentCommit());
  const results: EntryResult[] = [];
  for (const entry of SUITE.filter((each) => !only || only.includes(each.id))) {
    const figures = await runEntry(
      entry,
      { ...entry.args, ...(quick ? entry.quick : {}) },
      runs,
      args['time-limit'] ?? '1200',
    );
    results.push({ id: entry.id, title: entry.title, show: entry.show, ...figures });
  }
  const rendered = renderReport(about, results, relative(dirname(out), chartsDir));
  await mkdir(chartsDir, { recursive: true });
  for (const [name, svg] of Object.entries(rendered.charts)) await writeFile(join(chartsDir, name), svg);
  const existing = await readFile(out, 'utf8').catch(() => '# Performance\n');
  await writeFile(out, withReport(existing, rendered.markdown));
  return {
    out,
    charts: Object.keys(rendered.charts).map((name) => join(chartsDir, name)),
    runs,
    quick,
    machine: about,
    entries: results.map((entry) => ({ id: entry.id, command: entry.command, median: entry.median })),
  };
}
