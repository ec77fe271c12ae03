import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSecretToken } from '@lapse/shared';
import { freePort } from '@lapse/shared/database/free-port';

/**
 * Runs maildev's CLI (path in argv[1]) and exits when our end of its stdin closes, so the capture server
 * never outlives the process that started it, even one killed with SIGKILL.
 *
 * Before maildev loads, two gaps of maildev 2.2.1 are closed, because no option of its closes them (its
 * own `--web-user/--web-pass` basic auth, given through the environment, guards the page and JSON API):
 * - lib/web.js calls `app.use(cors())` unconditionally, which answers every Origin with
 *   `Access-Control-Allow-Origin: *`: the `cors` module it loads is replaced by a middleware adding nothing;
 * - socket.io is attached to the HTTP server itself, before express, so its auth middleware never sees
 *   `/socket.io` (whose `newMail` events carry each message whole), and a WebSocket ignores CORS: a gate
 *   on the HTTP server refuses any request or upgrade whose Origin is another host (403) and a
 *   `/socket.io` request without the credential (401).
 * It is a string because it runs in maildev's own process (`node -e`), not in ours.
 */
const EXIT_WITH_PARENT = `
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
const { createHash, timingSafeEqual } = require('node:crypto');
const http = require('node:http');
const fromMaildev = { paths: [require('node:path').dirname(process.argv[1])] };
const corsPath = require.resolve('cors', fromMaildev);
require(corsPath);
require.cache[corsPath].exports = () => (_request, _response, next) => next();
const credential = 'Basic ' + Buffer.from(process.env.MAILDEV_WEB_USER + ':' + process.env.MAILDEV_WEB_PASS).toString('base64');
const digest = (value) => createHash('sha256').update(String(value ?? '')).digest();
const authorized = (request) => timingSafeEqual(digest(request.headers.authorization), digest(credential));
const foreignOrigin = (request) => {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try { return new URL(origin).host !== request.headers.host; } catch { return true; }
};
const refuse = (event, target, status) => {
  if (event === 'upgrade') target.end('HTTP/1.1 ' + status + ' ' + http.STATUS_CODES[status] + '\\r\\nConnection: close\\r\\n\\r\\n');
  else target.writeHead(status, { 'Content-Type': 'text/plain' }).end(http.STATUS_CODES[status]);
};
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, request, target, ...rest) {
  if (event === 'request' || event === 'upgrade') {
    if (foreignOrigin(request)) return refuse(event, target, 403), true;
    if (request.url.startsWith('/socket.io') && !authorized(request)) return refuse(event, target, 401), true;
  }
  return emit.call(this, event, request, target, ...rest);
};
require(process.argv[1]);
`;

/** The HTTP basic credential of a capture server's page and JSON API (new at every start). */
export interface CaptureCredential {
  readonly user: string;
  readonly password: string;
}

/** A message as maildev's REST API (`GET /email`) returns it (the fields Lapse reads). */
export interface CapturedEmail {
  readonly id: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly to: readonly { readonly address: string; readonly name?: string }[];
  readonly from: readonly { readonly address: string; readonly name?: string }[];
}

export interface CaptureServerOptions {
  readonly host?: string;
  readonly smtpPort?: number;
  /** Port of the web page and JSON API; a free one when 0 or absent. */
  readonly webPort?: number;
}

/**
 * A real SMTP capture server (maildev) in a child process: SMTP on one port, a web page and JSON API of
 * the received mail on another. The all-in-one app starts one when no SMTP_URL is set; tests start their
 * own on free ports and assert on what arrived. Its mail lives in a temporary directory removed on stop.
 */
export class MaildevCaptureServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly mailDir: string,
    readonly credential: CaptureCredential,
    readonly host: string,
    readonly smtpPort: number,
    readonly webPort: number,
  ) {}

  static async start(options: CaptureServerOptions = {}): Promise<MaildevCaptureServer> {
    // A port picked as free can be taken before maildev binds it; pick again (only ports we chose).
    const chosenByUs = !options.smtpPort || !options.webPort;
    for (let attempt = 1; ; attempt++) {
      const server = await MaildevCaptureServer.launch(options);
      try {
        await server.ready;
        return server;
      } catch (error) {
        if (!chosenByUs || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Spawns maildev and returns at once; `ready` settles when its SMTP port and API answer (or it failed).
   * The app does not wait for it: a send before it is up fails and is retried like any relay outage.
   */
  static async launch(options: CaptureServerOptions = {}): Promise<MaildevCaptureServer> {
    const host = options.host ?? '127.0.0.1';
    const smtpPort = options.smtpPort || (await freePort());
    const webPort = options.webPort || (await freePort());
    const mailDir = await mkdtemp(join(tmpdir(), 'lapse-maildev-'));
    // New at every start: the captured mail lives only as long as this server (a temporary directory), so
    // a credential kept in DATA_DIR would guard nothing more and would be one more secret at rest.
    const credential = { user: 'lapse', password: newSecretToken() };
    const child = spawn(
      process.execPath,
      [
        '-e',
        EXIT_WITH_PARENT,
        require.resolve('maildev/bin/maildev'),
        '--smtp',
        String(smtpPort),
        '--web',
        String(webPort),
        '--ip',
        host,
        '--mail-directory',
        mailDir,
        '--silent',
      ],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
        // The credential goes through maildev's environment variables, not argv, which any local user can read.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          MAILDEV_WEB_USER: credential.user,
          MAILDEV_WEB_PASS: credential.password,
        },
      },
    );
    const server = new MaildevCaptureServer(child, mailDir, credential, host, smtpPort, webPort);
    const stopWithParent = () => child.kill('SIGKILL');
    process.once('exit', stopWithParent);
    child.once('exit', () => process.removeListener('exit', stopWithParent));
    server.ready = server.waitUntilReady();
    server.ready.catch(() => undefined);
    return server;
  }

  /** Settles when the server answers; rejects if it exited or did not come up in time. */
  ready: Promise<void> = Promise.resolve();
  private stopping = false;

  get smtpUrl(): string {
    return `smtp://${this.host}:${this.smtpPort}`;
  }

  get webUrl(): string {
    return `http://${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${this.webPort}`;
  }

  /** The `Authorization` header value the page and JSON API require. */
  get authorization(): string {
    return `Basic ${Buffer.from(`${this.credential.user}:${this.credential.password}`).toString('base64')}`;
  }

  async emails(): Promise<CapturedEmail[]> {
    const response = await fetch(`${this.webUrl}/email`, { headers: { authorization: this.authorization } });
    if (!response.ok) throw new Error(`maildev answered ${response.status}`);
    return (await response.json()) as CapturedEmail[];
  }

  /** Waits until `count` messages (to `address`, when given) have arrived. */
  async waitForEmails(count: number, address?: string, timeoutMs = 15_000): Promise<CapturedEmail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.emails();
      const matching = address ? all.filter((mail) => mail.to.some((to) => to.address === address)) : all;
      if (matching.length >= count) return matching;
      if (Date.now() > deadline) throw new Error(`expected ${count} email(s), got ${matching.length}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.mailDir, { recursive: true, force: true });
  }

  private async waitUntilReady(timeoutMs = 20_000): Promise<void> {
    let stderr = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.stopping) throw new Error('maildev stopped before it was ready');
      if (this.child.exitCode !== null) {
        await rm(this.mailDir, { recursive: true, force: true });
        throw new Error(
          `maildev exited at start (code ${this.child.exitCode}): ${stderr.trim().split('\n').pop() ?? ''}`,
        );
      }
      const [web, smtp] = await Promise.all([
        this.emails().then(
          () => true,
          () => false,
        ),
        portOpen(this.host, this.smtpPort),
      ]);
      if (web && smtp) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error('maildev did not start in time');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when nothing listens on `port` at `host` right now. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
