import { summariseRuns } from '../repeat';
import { BEGIN, END, type EntryResult, type Machine, renderReport, withReport } from './render';
import { barChart, escapeXml, lineChart, ticks } from './svg-chart';

const MACHINE: Machine = {
  cpu: 'AMD EPYC <test>',
  cores: 2,
  memoryGb: 24,
  os: 'Linux 6.1',
  node: 'v20.20.2',
  commit: 'abc1234',
  at: '2026-12-07T05:00:00.000Z',
  loadAverageAtStart: [0.5, 0.4, 0.3],
};

function entry(
  id: string,
  title: string,
  runs: Record<string, unknown>[],
  show: [string, string][],
): EntryResult {
  return { id, title, command: `npm run bench -- ${id}`, show, ...summariseRuns(runs) };
}

const RESULTS = [
  entry(
    'expiry-latency-kafka',
    'expiry latency, kafka',
    [
      { p99Ms: 20, distributionMs: { p1: 5, p50: 9, p99: 20, p100: 31 } },
      { p99Ms: 24, distributionMs: { p1: 6, p50: 10, p99: 24, p100: 40 } },
      { p99Ms: 22, distributionMs: { p1: 5, p50: 11, p99: 22, p100: 35 } },
    ],
    [['p99Ms', '99th percentile, ms']],
  ),
  entry(
    'bulk-expiry-kafka',
    'bulk expiry',
    [
      {
        enforcementMs: 500,
        fanoutProgress: [
          [0, 0],
          [2.5, 40_000],
          [5, 100_000],
        ],
      },
      {
        enforcementMs: 700,
        fanoutProgress: [
          [0, 0],
          [3, 50_000],
          [6, 100_000],
        ],
      },
    ],
    [['enforcementMs', 'ms']],
  ),
  entry(
    'sign-in',
    'sign-in',
    [
      { signInsPerSec: 140, hashVerifiesPerSec: 160 },
      { signInsPerSec: 150, hashVerifiesPerSec: 170 },
    ],
    [['signInsPerSec', 'per second']],
  ),
];

describe('the benchmark report', () => {
  it('tables each figure as the median with its range, and names the machine and commit', () => {
    const { markdown } = renderReport(MACHINE, RESULTS, 'performance');
    expect(markdown.startsWith(BEGIN)).toBe(true);
    expect(markdown.endsWith(END)).toBe(true);
    expect(markdown).toContain('| `p99Ms` | 22 (20–24) | 99th percentile, ms |');
    expect(markdown).toContain('| `enforcementMs` | 600 (500–700) | ms |');
    expect(markdown).toContain('AMD EPYC <test>, 2 cores');
    expect(markdown).toContain('from commit `abc1234`');
    expect(markdown).toContain('![fanout-progress](performance/fanout-progress.svg)');
  });

  it('draws the fan-out of every run, the latency CDFs and sign-ins against the hash rate', () => {
    const { charts } = renderReport(MACHINE, RESULTS, 'performance');
    expect(Object.keys(charts).sort()).toEqual([
      'fanout-progress.svg',
      'latency-distributions.svg',
      'sign-ins-vs-hash-rate.svg',
    ]);
    expect(charts['fanout-progress.svg'].match(/<polyline/g)).toHaveLength(2);
    expect(charts['fanout-progress.svg']).toContain('>run 2</text>');
    // The CDF's median distribution: percentile 50 at 10 ms, the last point at the median maximum, 35 ms.
    expect(charts['latency-distributions.svg']).toContain('expiry latency, kafka');
    expect(charts['sign-ins-vs-hash-rate.svg'].match(/<rect x=/g)).toHaveLength(2);
    for (const svg of Object.values(charts)) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
  });

  it('leaves a chart out when no entry measured its figures', () => {
    const { charts } = renderReport(MACHINE, [RESULTS[2]], 'performance');
    expect(Object.keys(charts)).toEqual(['sign-ins-vs-hash-rate.svg']);
  });

  it('replaces its own block and keeps the measured history around it', () => {
    const first = withReport('# Performance\n\nHistory.\n', `${BEGIN}\nold\n${END}`);
    expect(first).toBe(`# Performance\n\n${BEGIN}\nold\n${END}\n\nHistory.\n`);
    expect(withReport(first, `${BEGIN}\nnew\n${END}`)).toBe(
      `# Performance\n\n${BEGIN}\nnew\n${END}\n\nHistory.\n`,
    );
  });
});

describe('the SVG charts', () => {
  it('puts round ticks over the whole range', () => {
    expect(ticks(100_000)).toEqual([0, 20_000, 40_000, 60_000, 80_000, 100_000]);
    expect(ticks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(ticks(0)).toEqual([0, 1]);
  });

  it('escapes every text it is given', () => {
    expect(escapeXml(`<a & "b">`)).toBe('&#60;a &#38; &#34;b&#34;&#62;');
    const svg = lineChart({
      title: '<t>',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 'a&b', points: [[0, 1]] }],
    });
    expect(svg).not.toContain('<t>');
    expect(svg).not.toContain('a&b');
    expect(barChart({ title: 't', yLabel: 'y', bars: [{ label: '"q"', value: 1 }] })).not.toContain('"q"');
  });

  it('scales points into the plot: the largest value reaches the top tick', () => {
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 's',
          points: [
            [0, 0],
            [10, 100],
          ],
        },
      ],
    });
    // Plot: x from 72 to 620, y from 272 (zero) to 36 (the top tick, 100).
    expect(svg).toContain('points="72,272 620,36"');
  });
});
