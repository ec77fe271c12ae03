/**
 * Configuration is read once at start and validated: a bad or missing value stops the process with a
 * message naming the variable (never its value, which may be a secret).
 */
/** The shortest configured token accepted (`ADMIN_API_TOKEN`, `SERVICE_API_TOKEN`). */
export const MIN_SECRET_LENGTH = 32;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  constructor(private readonly env: Env = process.env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name];
    if (value === undefined || value === '') {
      if (fallback === undefined) throw new ConfigError(name, 'is required');
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
      throw new ConfigError(name, `must be at least ${minLength} characters long`);
    }
    return value;
  }

  int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.optional(name);
    if (text === undefined) return fallback;
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    throw new ConfigError(name, 'must be true or false');
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const text = this.optional(name) ?? fallback;
    if (!choices.includes(text as T)) throw new ConfigError(name, `must be one of ${choices.join(', ')}`);
    return text as T;
  }

  url(name: string, protocols: readonly string[], fallback?: string): string | undefined {
    const text = this.optional(name) ?? fallback;
    if (text === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw new ConfigError(name, 'is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
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
