/**
 * `--runs N`: the same benchmark N times, each in a fresh process, summarised figure by figure as the
 * median and the range (min, max) of the runs. One run is noise on a shared two-core machine; a target is
 * judged by the median of at least five.
 */

/** A figure tree: numbers are summarised; anything else (strings, flags, arrays) is kept from the first run. */
type Figures = { readonly [key: string]: unknown };

export interface RepeatedFigures {
  readonly runs: number;
  readonly median: Figures;
  readonly range: Figures;
  readonly perRun: readonly Figures[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const isTree = (value: unknown): value is Figures =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function summarise(runs: readonly Figures[], pick: (values: number[]) => unknown): Figures {
  const summary: Record<string, unknown> = {};
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((run) => run[key]);
    if (values.every((value) => typeof value === 'number' && Number.isFinite(value))) {
      summary[key] = pick(values as number[]);
    } else if (values.every(isTree)) {
      summary[key] = summarise(values as Figures[], pick);
    } else if (pick === medianOf && typeof values[0] !== 'number' && values[0] !== undefined) {
      summary[key] = values[0];
    }
  }
  return summary;
}

const medianOf = (values: number[]) => Number(median(values).toFixed(3));
const rangeOf = (values: number[]) => [Math.min(...values), Math.max(...values)];

/** The median of every numeric figure present in all runs, and its range; the runs themselves kept whole. */
export function summariseRuns(runs: readonly Figures[]): RepeatedFigures {
  if (runs.length === 0) throw new Error('no runs to summarise');
  return {
    runs: runs.length,
    median: summarise(runs, medianOf),
    range: summarise(runs, rangeOf),
    perRun: runs,
  };
}
