/**
 * The report's charts as static SVG: a line chart (series of x/y points) and a bar chart (values with their
 * range across runs). Written here rather than with Vega-Lite: its Node renderer and the ~40 packages under it
 * are ESM-only, which jest's CommonJS runtime cannot load without transforming each of them, and the report
 * needs two fixed chart shapes, not a grammar. The output is plain SVG 1.1 that browsers and GitHub render.
 */

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** [min, max] across runs, drawn as a whisker. */
  readonly range?: readonly [number, number];
}

export interface BarChart {
  readonly title: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
}

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { top: 36, right: 20, bottom: 48, left: 72 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** Text for SVG: the five characters XML gives meaning to, escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round tick values covering [0, max]: steps of 1, 2 or 5 × 10^k, about five of them. */
export function ticks(max: number): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) as number;
  const values: number[] = [];
  for (let value = 0; value < max + step / 2; value += step) values.push(Number(value.toPrecision(12)));
  if (values[values.length - 1] < max)
    values.push(Number((values[values.length - 1] + step).toPrecision(12)));
  return values;
}

const label = (value: number) =>
  Math.abs(value) >= 10_000
    ? `${Number((value / 1000).toPrecision(4))}k`
    : String(Number(value.toPrecision(4)));

function frame(title: string, yLabel: string, xLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(14 ${HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(yTicks: number[], y: (value: number) => number): string[] {
  return yTicks.flatMap((tick) => [
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e5e5"/>`,
    `<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${label(tick)}</text>`,
  ]);
}

const fixed = (value: number) => Number(value.toFixed(1));

export function lineChart(chart: LineChart): string {
  const all = chart.series.flatMap((series) => series.points);
  const xTicks = ticks(Math.max(0, ...all.map(([x]) => x)));
  const yTicks = ticks(Math.max(0, ...all.map(([, y]) => y)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (value: number) => fixed(MARGIN.left + (value / xTicks[xTicks.length - 1]) * plotWidth);
  const y = (value: number) =>
    fixed(MARGIN.top + plotHeight - (value / yTicks[yTicks.length - 1]) * plotHeight);
  const body = [
    ...yAxis(yTicks, y),
    ...xTicks.map(
      (tick) =>
        `<text x="${x(tick)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${label(tick)}</text>`,
    ),
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`,
  ];
  chart.series.forEach((series, index) => {
    const color = COLORS[index % COLORS.length];
    const points = series.points.map(([px, py]) => `${x(px)},${y(py)}`).join(' ');
    body.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    const legendY = MARGIN.top + 4 + index * 16;
    body.push(
      `<rect x="${MARGIN.left + 10}" y="${legendY}" width="12" height="3" fill="${color}"/>`,
      `<text x="${MARGIN.left + 28}" y="${legendY + 5}">${escapeXml(series.name)}</text>`,
    );
  });
  return frame(chart.title, chart.yLabel, chart.xLabel, body);
}

export function barChart(chart: BarChart): string {
  const top = Math.max(0, ...chart.bars.map((bar) => Math.max(bar.value, bar.range?.[1] ?? 0)));
  const yTicks = ticks(top);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (value: number) =>
    fixed(MARGIN.top + plotHeight - (value / yTicks[yTicks.length - 1]) * plotHeight);
  const slot = plotWidth / Math.max(1, chart.bars.length);
  const body = [...yAxis(yTicks, y)];
  chart.bars.forEach((bar, index) => {
    const left = fixed(MARGIN.left + index * slot + slot * 0.2);
    const width = fixed(slot * 0.6);
    const middle = fixed(left + width / 2);
    body.push(
      `<rect x="${left}" y="${y(bar.value)}" width="${width}" height="${fixed(y(0) - y(bar.value))}" fill="${COLORS[index % COLORS.length]}"/>`,
      `<text x="${middle}" y="${y(bar.value) - 4}" text-anchor="middle">${label(bar.value)}</text>`,
      `<text x="${middle}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${escapeXml(bar.label)}</text>`,
    );
    if (bar.range)
      body.push(
        `<line x1="${middle}" x2="${middle}" y1="${y(bar.range[0])}" y2="${y(bar.range[1])}" stroke="#333" stroke-width="1.5"/>`,
      );
  });
  body.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`,
  );
  return frame(chart.title, chart.yLabel, '', body);
}
