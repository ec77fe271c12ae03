import { barChart, lineChart, type Series } from './svg-chart';

/** One suite entry's result, as `npm run bench -- <bench> --runs N --json FILE` wrote it. */
export interface EntryResult {
  readonly id: string;
  readonly title: string;
  readonly command: string;
  /** Figures of the runs: the median and [min, max] of every number, and each run whole. */
  readonly median: Record<string, unknown>;
  readonly range: Record<string, unknown>;
  readonly perRun: ReadonlyArray<Record<string, unknown>>;
  readonly runs: number;
  /** The figures the table shows, by key (`a.b` for nested ones), with what each means. */
  readonly show: ReadonlyArray<readonly [string, string]>;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly commit: string;
  readonly at: string;
  readonly loadAverageAtStart: readonly number[];
}

export interface Rendered {
  readonly markdown: string;
  /** File name (under the charts folder) → SVG text. */
  readonly charts: Record<string, string>;
}

export const BEGIN =
  '<!-- bench report: begin (written by `npm run bench -- report`; edits here are lost) -->';
export const END = '<!-- bench report: end -->';

function at(tree: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], tree);
}

const number = (value: unknown) => (typeof value === 'number' ? value : Number.NaN);
const shown = (value: number) =>
  Number.isFinite(value) ? Number(value.toPrecision(4)).toLocaleString('en-US') : '–';

/** `median (min–max)` of one figure. */
function cell(entry: EntryResult, key: string): string {
  const median = number(at(entry.median, key));
  const range = at(entry.range, key);
  if (!Array.isArray(range) || entry.runs === 1) return shown(median);
  return `${shown(median)} (${shown(number(range[0]))}–${shown(number(range[1]))})`;
}

/** A distribution `{p1: ms, …, p100: ms}` as a CDF: x = milliseconds, y = percentile. */
function cdf(name: string, distribution: unknown): Series | null {
  if (typeof distribution !== 'object' || distribution === null) return null;
  const points = Object.entries(distribution as Record<string, unknown>)
    .map(([key, ms]) => [number(ms), Number(key.slice(1))] as [number, number])
    .filter(([ms, p]) => Number.isFinite(ms) && Number.isFinite(p))
    .sort((a, b) => a[1] - b[1]);
  return points.length > 0 ? { name, points } : null;
}

function charts(results: readonly EntryResult[]): Record<string, string> {
  const out: Record<string, string> = {};
  const bulk = results.find((entry) => entry.id.startsWith('bulk-expiry'));
  const progress = bulk?.perRun
    .map((run, index) => ({ name: `run ${index + 1}`, points: run.fanoutProgress }))
    .filter((series): series is Series => Array.isArray(series.points) && series.points.length > 1);
  if (bulk && progress && progress.length > 0)
    out['fanout-progress.svg'] = lineChart({
      title: `Bulk expiry fan-out: users expired over time (${bulk.title}, each run)`,
      xLabel: 'seconds since the administrator’s 202',
      yLabel: 'users expired by the job',
      series: progress,
    });
  const latencies = results
    .map((entry) => cdf(entry.title, entry.median.distributionMs))
    .filter((series): series is Series => series !== null);
  if (latencies.length > 0)
    out['latency-distributions.svg'] = lineChart({
      title: 'Latency distributions (median of the runs at each percentile)',
      xLabel: 'milliseconds',
      yLabel: 'percentile',
      series: latencies,
    });
  const signIn = results.find((entry) => entry.id === 'sign-in');
  if (signIn) {
    const bar = (label: string, key: string) => {
      const range = at(signIn.range, key);
      return {
        label,
        value: number(at(signIn.median, key)),
        range: Array.isArray(range) ? ([number(range[0]), number(range[1])] as const) : undefined,
      };
    };
    out['sign-ins-vs-hash-rate.svg'] = barChart({
      title: 'Sign-ins per second against the raw argon2id verification rate',
      yLabel: 'per second',
      bars: [
        bar('raw argon2id verifies', 'hashVerifiesPerSec'),
        bar('sign-ins through Lapse', 'signInsPerSec'),
      ],
    });
  }
  return out;
}

/** The report's markdown block (between BEGIN and END) and its charts; `chartsDir` is relative to the file. */
export function renderReport(machine: Machine, results: readonly EntryResult[], chartsDir: string): Rendered {
  const drawn = charts(results);
  const runs = [...new Set(results.map((entry) => entry.runs))].join(', ');
  const lines = [
    BEGIN,
    '## Benchmark report',
    '',
    `Written by \`npm run bench -- report\` at ${machine.at} from commit \`${machine.commit}\`. Each figure is the`,
    `median of ${runs} run(s), each in a fresh process, with the range (min–max) in brackets.`,
    '',
    '| machine | |',
    '|---|---|',
    `| CPU | ${machine.cpu}, ${machine.cores} cores |`,
    `| memory | ${machine.memoryGb} GB |`,
    `| OS | ${machine.os} |`,
    `| Node.js | ${machine.node} |`,
    `| load average when the report started | ${machine.loadAverageAtStart.map((load) => load.toFixed(2)).join(', ')} |`,
    '',
  ];
  for (const entry of results) {
    lines.push(`### ${entry.title}`, '', `\`${entry.command}\``, '', '| figure | median (range) | meaning |');
    lines.push('|---|---|---|');
    for (const [key, meaning] of entry.show) lines.push(`| \`${key}\` | ${cell(entry, key)} | ${meaning} |`);
    lines.push('');
  }
  for (const name of Object.keys(drawn))
    lines.push(`![${name.replace(/\.svg$/, '')}](${chartsDir}/${name})`, '');
  lines.push(END);
  return { markdown: lines.join('\n'), charts: drawn };
}

/** `document` with its report block replaced by `block`, or the block put after the first heading line. */
export function withReport(document: string, block: string): string {
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin !== -1 && end > begin) return document.slice(0, begin) + block + document.slice(end + END.length);
  const firstBreak = document.indexOf('\n');
  if (document.startsWith('# ') && firstBreak !== -1)
    return `${document.slice(0, firstBreak + 1)}\n${block}\n${document.slice(firstBreak + 1)}`;
  return `${block}\n\n${document}`;
}
