import { connect, type Socket } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
/** No answer within this long fails the request (and so the bench) instead of waiting forever. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function connectTo(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * One keep-alive HTTP/1.1 connection for load generation, one request at a time: requests go out as bytes
 * built beforehand, answers are read by their Content-Length (the app sends one on every JSON answer) and
 * only the status is parsed. What wrk or autocannon do, so a load generator sharing the server's cores
 * takes as little of them as it can. Not a general client: no chunked bodies, no redirects, no pipelining.
 *
 * The server closes a keep-alive connection that stays idle past its keep-alive timeout (Node's is 5 s),
 * which happens between the sign-in bench's rounds; a request on a closed connection opens a new one
 * first, and a request that gets no answer within the timeout (30 s by default) fails rather than hangs.
 */
export class RawHttpLane {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: {
    resolve: (status: number) => void;
    reject: (error: Error) => void;
    timer: NodeJS.Timeout;
  } | null = null;
  private socket: Socket | null = null;

  private constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  static async open(url: string, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<RawHttpLane> {
    const lane = new RawHttpLane(url, timeoutMs);
    await lane.connect();
    return lane;
  }

  /** `POST path` with a JSON body, as bytes to send again and again. */
  static post(url: string, body: unknown): Buffer {
    const { host, pathname } = new URL(url);
    const payload = Buffer.from(JSON.stringify(body));
    const head =
      `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), payload]);
  }

  /** Sends the request and resolves with the answer's status once its whole body has arrived. */
  async send(request: Buffer): Promise<number> {
    if (this.waiting) throw new Error('one request at a time');
    if (!this.socket) await this.connect();
    const socket = this.socket as Socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`no answer within ${this.timeoutMs} ms`));
        socket.destroy();
      }, this.timeoutMs);
      this.waiting = { resolve, reject, timer };
      socket.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private async connect(): Promise<void> {
    const socket = await connectTo(this.url);
    socket.setNoDelay(true);
    this.buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (error) => this.dropped(socket, error));
    socket.on('close', () => this.dropped(socket, new Error('connection closed')));
    this.socket = socket;
  }

  /** The connection is gone: the next request reconnects; one in flight fails (it may have been lost). */
  private dropped(socket: Socket, error: Error): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.fail(error);
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
    const total = headEnd + HEAD_END.length + length;
    if (this.buffered.length < total) return;
    const status = Number(head.slice(9, 12));
    this.buffered = this.buffered.subarray(total);
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve(status);
    }
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}
