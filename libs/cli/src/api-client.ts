import type { Credentials } from './credentials';
import { CliError, EXIT } from './io';

/** Okta's error envelope, as Lapse answers every refused request. */
export interface OktaError {
  readonly errorCode?: string;
  readonly errorSummary?: string;
  readonly errorId?: string;
  readonly errorCauses?: readonly { errorSummary: string }[];
}

/** The API refused: status and Okta's error body; the message is its errorSummary and causes. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: OktaError,
  ) {
    const causes = (body.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
    const summary = body.errorSummary ?? `HTTP ${status}`;
    super(
      `${body.errorCode ? `${body.errorCode} ` : ''}${summary}${causes.length ? `: ${causes.join('; ')}` : ''} (HTTP ${status})`,
      EXIT.api,
      { status, ...body },
    );
  }

  /** The causes as one reason (for an import row), else the summary. */
  get reason(): string {
    const causes = (this.body.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
    return causes.length ? causes.join('; ') : (this.body.errorSummary ?? `HTTP ${this.status}`);
  }
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

const REQUEST_TIMEOUT_MS = 120_000;
/** Waits for Okta's per-token rate limit (429 E0000047) before giving up: a long import spans minutes. */
const RATE_LIMIT_RETRIES = 10;
const MAX_RATE_LIMIT_WAIT_MS = 65_000;

/** What the client reaches the network and the clock with (specs give their own). */
export interface ApiClientDeps {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Told when a rate limit makes the client wait (a line for people on stderr). */
  readonly onWait?: (text: string) => void;
}

const DEFAULT_DEPS: ApiClientDeps = {
  fetch: (input, init) => fetch(input, init),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** How long a 429 asks to wait: until `X-Rate-Limit-Reset` (epoch seconds), else `Retry-After`, else 1 s. */
export function rateLimitWaitMs(headers: Headers, now: number): number {
  const reset = Number(headers.get('x-rate-limit-reset'));
  const retryAfter = Number(headers.get('retry-after'));
  const wait =
    Number.isFinite(reset) && reset > 0
      ? reset * 1000 - now
      : Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : 1000;
  return Math.min(Math.max(wait, 1000), MAX_RATE_LIMIT_WAIT_MS);
}

/**
 * The `rel="next"` target of an RFC 8288 `Link` header as Lapse and Okta send it (`<url>; rel="next"`,
 * several joined by commas). Small enough not to need a parser package.
 */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(/,\s*(?=<)/)) {
    const match = /^<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (match && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/.test(match[2])) return match[1];
  }
  return null;
}

/** Lapse's public (Okta) API over HTTP with an SSWS admin token; never the database. */
export class ApiClient {
  private readonly deps: ApiClientDeps;

  constructor(
    private readonly credentials: Credentials,
    deps: Partial<ApiClientDeps> = {},
  ) {
    this.deps = { ...DEFAULT_DEPS, ...deps };
  }

  get url(): string {
    return this.credentials.url;
  }

  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; query?: Record<string, string | undefined> } = {},
  ): Promise<ApiAnswer<T>> {
    const target = this.target(path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) target.searchParams.set(key, value);
    }
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    let response = await this.send(method, target, body);
    for (let retry = 1; response.status === 429 && retry <= RATE_LIMIT_RETRIES; retry++) {
      const wait = rateLimitWaitMs(response.headers, this.deps.now());
      await response.body?.cancel();
      this.deps.onWait?.(`rate limited (429): waiting ${Math.ceil(wait / 1000)} s before retry ${retry}`);
      await this.deps.sleep(wait);
      response = await this.send(method, target, body);
    }
    const text = await response.text();
    let parsed: unknown = {};
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (!response.ok) throw new ApiError(response.status, { errorSummary: response.statusText });
        throw new CliError(`${this.credentials.url} did not answer JSON (is it Lapse?)`, EXIT.connect);
      }
    }
    if (!response.ok) throw new ApiError(response.status, parsed as OktaError);
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  private async send(method: string, target: URL, body: string | undefined): Promise<Response> {
    try {
      return await this.deps.fetch(target, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `SSWS ${this.credentials.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(
        `cannot connect to ${this.credentials.url}: ${connectionReason(error)}`,
        EXIT.connect,
      );
    }
  }

  /**
   * A path, or a link the API gave (paging): the token goes only to the configured URL, so a link is read
   * for its path and query (the server's PUBLIC_URL may name another host than the one the CLI reaches).
   */
  private target(pathOrLink: string): URL {
    if (!/^https?:\/\//.test(pathOrLink)) return new URL(`${this.credentials.url}${pathOrLink}`);
    const link = new URL(pathOrLink);
    return new URL(`${new URL(this.credentials.url).origin}${link.pathname}${link.search}`);
  }

  /** Every item of an Okta list, page after page along `Link: <…>; rel="next"`, up to `max`. */
  async *list<T>(path: string, query: Record<string, string | undefined>, max = Infinity): AsyncGenerator<T> {
    let count = 0;
    let next: string | null = path;
    let first = true;
    while (next !== null && count < max) {
      const page: ApiAnswer<T[]> = await this.request<T[]>('GET', next, first ? { query } : {});
      first = false;
      for (const item of page.body) {
        if (count >= max) return;
        count += 1;
        yield item;
      }
      next = page.body.length === 0 ? null : nextLink(page.headers.get('link'));
    }
  }
}

function connectionReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((error as Error).name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return cause?.message ?? (error as Error).message;
}
