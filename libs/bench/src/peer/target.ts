/**
 * One side of the side-by-side bench (`peer-keycloak.bench.ts`): a server the bench starts, fills with the
 * same users (the same argon2id hash of the same password), signs in with the same client and expires.
 */
export interface PeerTarget {
  readonly name: 'keycloak' | 'lapse';
  /** What runs (version, mode, database, runtime), for the report. */
  readonly about: Record<string, unknown>;
  /** Starts the server and resolves once it reports ready; answers the time from spawn to ready. */
  start(): Promise<{ readyMs: number }>;
  /** The password hashing the server applies to a password it is given, read back from the server. */
  hashingInEffect(): Promise<Record<string, unknown>>;
  /** Imports the users, each with the same pre-computed argon2id hash (PHC string) of one password. */
  importUsers(logins: readonly string[], phc: string): Promise<void>;
  /** Where the sign-in load goes, and one sign-in as the bytes of a whole HTTP/1.1 request. */
  readonly signInUrl: string;
  signInRequest(login: string, password: string): Buffer;
  /** One sign-in through the same route as the load: signed in, refused as expired, or something else. */
  probe(login: string, password: string): Promise<ProbeAnswer>;
  /**
   * Expires every imported user's password; resolves when the server has done all of it (Keycloak: the
   * last user updated; Lapse: the bulk job COMPLETED). `requestsDone` is when the last request was answered.
   */
  expireAll(): Promise<{ requestsDoneMs: number; completedMs: number }>;
  /** The server's process (the root of its tree), for memory. */
  readonly pid: number;
  /** When the server's process has ended: how (exit code or signal) and the last lines it wrote; else null. */
  readonly ended: string | null;
  stop(): Promise<void>;
}

export type ProbeAnswer = 'signed-in' | 'refused-expired' | `other: ${string}`;

/** An HTTP/1.1 request as bytes, for `RawHttpLane.send`. */
export function rawRequest(url: string, contentType: string, body: string): Buffer {
  const { host, pathname } = new URL(url);
  const payload = Buffer.from(body);
  const head =
    `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ${contentType}\r\n` +
    `Accept: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), payload]);
}

/** A JSON answer: status and parsed body ({} when empty, `{text}` when not JSON). */
export async function callJson(
  url: string,
  init: { method: string; headers?: Record<string, string>; json?: unknown; form?: Record<string, string> },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, {
    method: init.method,
    headers,
    body,
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { text: text.slice(0, 300) };
    }
  }
  return { status: response.status, body: parsed };
}

/** Polls `ready` every 200 ms until it answers true; fails when `server` exits or after `timeoutMs`. */
export async function waitUntilReady(
  ready: () => Promise<boolean>,
  server: { readonly exited: boolean; readonly output: string; readonly name: string },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exited) throw new Error(`${server.name} exited while starting:\n${server.output}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${server.name} not ready within ${timeoutMs / 1000} s:\n${server.output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The salt and hash of an argon2id PHC string, in the padded base64 Keycloak stores. */
export function phcParts(phc: string): { salt: string; hash: string; memoryKib: number; iterations: number } {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) throw new Error('not an argon2id PHC string with one lane');
  const padded = (unpadded: string) => Buffer.from(unpadded, 'base64').toString('base64');
  return {
    memoryKib: Number(match[1]),
    iterations: Number(match[2]),
    salt: padded(match[3]),
    hash: padded(match[4]),
  };
}
