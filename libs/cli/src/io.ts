import type { Readable } from 'node:stream';

/** Where the CLI reads and writes: the process's streams, or a spec's. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly stdin: Readable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Exit codes (docs/cli.md): 0 done; 1 the API refused (its errorSummary is printed), an import row or a job
 * failed; 2 usage (bad flag or argument, unreadable file, not signed in, a confirmation refused); 3 Lapse or
 * Kafka cannot be reached; 130 interrupted.
 */
export const EXIT = { ok: 0, api: 1, usage: 2, connect: 3, interrupted: 130 } as const;

/** A failure the CLI reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** What `--json` prints on stderr instead of the line (e.g. Okta's error body). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

/** Writes data for scripts (`--json`) or for people. */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** One JSON document on stdout (`--json`). */
  data(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, this.io.stdout.isTTY ? 2 : undefined)}\n`);
  }

  /** A JSON array on stdout, written item by item as they arrive (`--json` lists of any length). */
  async stream(items: AsyncIterable<unknown>): Promise<void> {
    let first = true;
    for await (const item of items) {
      this.io.stdout.write(`${first ? '[' : ','}\n${JSON.stringify(item)}`);
      first = false;
    }
    this.io.stdout.write(first ? '[]\n' : '\n]\n');
  }

  /** A line for people on stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A line for people on stderr (progress, notes): never mixed into the data on stdout. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Rows as aligned columns with a header. */
  table(headers: readonly string[], rows: readonly (readonly unknown[])[]): void {
    const cells = [headers, ...rows.map((row) => row.map((cell) => (cell == null ? '' : String(cell))))];
    const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
    for (const row of cells) {
      this.line(
        row
          .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
          .join('  ')
          .trimEnd(),
      );
    }
  }
}
