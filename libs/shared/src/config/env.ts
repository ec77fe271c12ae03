/**
 * Configuration is read once at start and validated: a bad or missing value is reported naming the variable
 * (never its value, which may be a secret). A reader made with `{ collect: true }` (the entry points) keeps
 * reading past a bad value and reports every problem at once from `throwIfInvalid()`; the default reader
 * throws at the first one (tests and tools that read one value).
 */
/** The shortest configured token accepted (`ADMIN_API_TOKEN`, `SERVICE_API_TOKEN`). */
export const MIN_SECRET_LENGTH = 32;

export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** One or more configuration problems; `message` has one line per problem, naming the variable only. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(
    readonly variable: string,
    problem: string,
    more: readonly ConfigProblem[] = [],
  ) {
    const problems = [{ variable, problem }, ...more];
    super(problems.map(describeProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }

  /** The problems as lines to print, one per variable problem. */
  get lines(): string[] {
    return this.problems.map(describeProblem);
  }

  static of(problems: readonly ConfigProblem[]): ConfigError {
    const [first, ...more] = problems;
    return new ConfigError(first.variable, first.problem, more);
  }
}

function describeProblem({ variable, problem }: ConfigProblem): string {
  return `Invalid configuration: ${variable} ${problem}`;
}

type Env = Readonly<Record<string, string | undefined>>;

export interface EnvReaderOptions {
  /** Record problems and go on with the fallback (report them all with `throwIfInvalid()`) instead of throwing. */
  readonly collect?: boolean;
}

export class EnvReader {
  private readonly found: ConfigProblem[] = [];

  constructor(
    private readonly env: Env = process.env,
    private readonly options: EnvReaderOptions = {},
  ) {}

  /** Whether problems are collected (see `EnvReaderOptions.collect`) rather than thrown at once. */
  get collecting(): boolean {
    return this.options.collect === true;
  }

  /** The problems recorded so far (collecting readers only; a throwing reader never gets past one). */
  get problems(): readonly ConfigProblem[] {
    return [...this.found];
  }

  /**
   * Reports a problem found by the caller (a cross-field check): thrown at once by the default reader,
   * recorded by a collecting one. The same problem is recorded once even when a value is read twice.
   */
  problem(variable: string, problem: string): void {
    if (!this.collecting) throw new ConfigError(variable, problem);
    if (!this.found.some((known) => known.variable === variable && known.problem === problem)) {
      this.found.push({ variable, problem });
    }
  }

  /** Throws one `ConfigError` listing every problem recorded, if any. */
  throwIfInvalid(): void {
    if (this.found.length > 0) throw ConfigError.of(this.found);
  }

  /**
   * Runs `read` (configuration readers), then throws one `ConfigError` with every problem: those recorded,
   * and those of a reader that still throws a `ConfigError` itself instead of calling `problem()`.
   */
  checkAll(read: () => unknown): void {
    try {
      read();
    } catch (error) {
      if (!(error instanceof ConfigError) || !this.collecting) throw error;
      for (const found of error.problems) this.problem(found.variable, found.problem);
    }
    this.throwIfInvalid();
  }

  /** Records (or throws) the problem and answers the fallback the caller goes on with. */
  private invalid<T>(variable: string, problem: string, fallback: T): T {
    this.problem(variable, problem);
    return fallback;
  }

  string(name: string, fallback?: string): string {
    const value = this.env[name];
    if (value === undefined || value === '') {
      if (fallback === undefined) return this.invalid(name, 'is required', '');
      return fallback;
    }
    return value;
  }

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /**
   * A configured secret (a bearer token): absent is fine (the caller decides), but a value shorter than
   * `minLength` characters is refused at start, naming the variable, never showing the value.
   */
  secret(name: string, minLength = MIN_SECRET_LENGTH): string | undefined {
    const value = this.optional(name);
    if (value !== undefined && value.length < minLength) {
      return this.invalid(name, `must be at least ${minLength} characters long`, undefined);
    }
    return value;
  }

  int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      return this.invalid(name, `must be a whole number from ${min} to ${max}`, fallback);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    return this.invalid(name, 'must be true or false', fallback);
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const text = this.optional(name) ?? fallback;
    if (!choices.includes(text as T))
      return this.invalid(name, `must be one of ${choices.join(', ')}`, fallback);
    return text as T;
  }

  url(name: string, protocols: readonly string[], fallback?: string): string | undefined {
    const text = this.optional(name) ?? fallback;
    if (text === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return this.invalid(name, 'is not a valid URL', undefined);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      return this.invalid(name, `must use ${protocols.join(' or ')}`, undefined);
    }
    return text;
  }

  list(name: string, fallback: readonly string[] = []): string[] {
    const text = this.optional(name);
    if (text === undefined) return [...fallback];
    return text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }
}
