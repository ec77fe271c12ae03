import { parseArgs } from 'node:util';

/**
 * The flags a benchmark takes, as its module exports them (`export const flags`) beside the header comment
 * that explains them: `npm run bench -- --help` prints them and the CLI refuses any other.
 */
export interface BenchFlag {
  /** What the value looks like in the usage line: `N`, `kafka|embedded`, `DIR`. */
  readonly value: string;
  readonly description: string;
  readonly default?: string;
}

export type BenchFlags = Readonly<Record<string, BenchFlag>>;

/** A benchmark module (`libs/bench/src/<name>.bench.ts`). */
export interface BenchModule {
  /** One line for the list. */
  readonly summary?: string;
  readonly flags?: BenchFlags;
  /**
   * The module repeats and times its own work (the report runs other benchmarks, each `--runs` times in
   * child processes with `--time-limit` each): the CLI hands it those two flags instead of applying them.
   */
  readonly ownsRuns?: boolean;
  /** Its default `--time-limit` in seconds, when the CLI's (1200) is too short for one run of it. */
  readonly timeLimitSeconds?: number;
  run(args: Record<string, string>): Promise<object>;
}

/** Flags the CLI itself takes for every benchmark; the benchmark never sees them. */
export const CLI_FLAGS: BenchFlags = {
  runs: {
    value: 'N',
    default: '1',
    description: 'run N times, each in a fresh process; report each run, the median and range',
  },
  'time-limit': {
    value: 'S',
    default: '1200',
    description: 'stop a run not finished after S seconds and fail',
  },
  json: { value: 'FILE', description: 'also write the figures to FILE (always to bench-results/)' },
};

export const USAGE =
  'usage: npm run bench -- <benchmark> [flags] [--runs N] [--time-limit S] [--json FILE]\n' +
  '       npm run bench -- --help            (every benchmark and its flags)\n' +
  '       npm run bench -- <benchmark> --help';

/** A mistake on the command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The flags given to `benchmark`, checked against its table and the CLI's (`util.parseArgs`, strict): an
 * unknown flag, a flag without its value or a stray argument is a `UsageError` naming it. A module without
 * a table (`flags` not exported) gets its flags unchecked.
 */
export function parseBenchArgs(
  benchmark: string,
  flags: BenchFlags | undefined,
  argv: readonly string[],
): Record<string, string> {
  if (flags === undefined) return parseUnchecked(argv);
  const known = { ...flags, ...CLI_FLAGS };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(Object.keys(known).map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    });
    return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)]));
  } catch (error) {
    throw new UsageError(describeParseError(benchmark, known, error as Error & { code?: string }));
  }
}

/** `--name value` pairs (a flag followed by another flag, or last, is `true`), as before the tables. */
function parseUnchecked(argv: readonly string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith('--')) throw new UsageError(`unexpected argument: ${flag}`);
    const value = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    args[flag.slice(2)] = value;
  }
  return args;
}

function describeParseError(benchmark: string, known: BenchFlags, error: Error & { code?: string }): string {
  const flag = /'([^']*)'/.exec(error.message)?.[1];
  const list = Object.keys(known)
    .map((name) => `--${name}`)
    .join(', ');
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag} for ${benchmark} (its flags: ${list})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `flag ${flag?.split(' ')[0]} of ${benchmark} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${flag ?? ''} for ${benchmark}: flags take the form --name value`;
    default:
      return error.message;
  }
}

/** The flags of a table as `--help` lists them, two-space indented under `indent`. */
export function describeFlags(flags: BenchFlags, indent: string): string[] {
  const heads = Object.entries(flags).map(([name, flag]) => `--${name} ${flag.value}`);
  const width = Math.max(0, ...heads.map((head) => head.length));
  return Object.values(flags).map((flag, index) => {
    const fallback = flag.default === undefined ? '' : ` (default ${flag.default})`;
    return `${indent}${heads[index].padEnd(width)}  ${flag.description}${fallback}`;
  });
}

/** `npm run bench -- --help`: every benchmark with its summary and flags, then the CLI's own flags. */
export function describeBenchmarks(modules: ReadonlyArray<readonly [string, BenchModule]>): string {
  const lines = [USAGE, '', 'benchmarks (libs/bench/src/<benchmark>.bench.ts):'];
  for (const [name, module] of modules) {
    lines.push('', `  ${name}${module.summary ? `: ${module.summary}` : ''}`);
    if (module.flags) lines.push(...describeFlags(module.flags, '    '));
    else lines.push(`    (flags: see the header of libs/bench/src/${name}.bench.ts)`);
    if (module.timeLimitSeconds)
      lines.push(`    (a run stops after ${module.timeLimitSeconds} s unless --time-limit says otherwise)`);
  }
  lines.push('', 'every benchmark also takes:', ...describeFlags(CLI_FLAGS, '    '));
  return `${lines.join('\n')}\n`;
}
