import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import { type RunningGateway, startGateway } from '../../stack/src/gateway';
import { bulkExpiry } from './bulk-expiry.bench';
import { inParallel, percentile, round } from './infra';
import { RawHttpLane } from './raw-http-lane';
import type { BenchFlags } from './flags';

/**
 * `npm run bench -- mixed-load [--users N] [--signin-users U] [--capacity-seconds C] [--phase-seconds P] [--load 0.8] [--concurrency K]`
 *
 * Sign-ins through the gateway (Debian's nginx with deploy/nginx.conf, as `npm run stack` runs it) while a
 * bulk expiry of N users (default 100,000) runs: the bulk-expiry benchmark's run (`bulk-expiry.bench.ts`,
 * Kafka transport, directory and identity as separate processes) with every call of it, seeding and
 * enforcement probes included, sent through the gateway, and this load added:
 * 1. capacity: sign-ins per second through the gateway, closed loop (`--concurrency` connections back to
 *    back, 8 by default) for `--capacity-seconds` (5);
 * 2. then an open loop at `--load` (0.8) of that capacity: requests sent on a fixed schedule whatever the
 *    answers, each timed from when it was due (so a stall counts for every request it delays), for
 *    `--phase-seconds` (10) before the expiry, from the expiry request until identity holds every expired
 *    user's expiry (during), and `--phase-seconds` after.
 * The signing-in users are U (2,000) of the N/10 ACTIVE_DIRECTORY users the bulk bench seeds, which the
 * expiry leaves alone, so every answer should be 200; each phase reports its answers by status,
 * `fiveXx` (5xx answers, the gateway's 503 included), `shed` (429: identity's load shedding past
 * `SIGN_IN_MAX_IN_FLIGHT`), `errors` (no answer: connection failures, timeouts), and `p50Ms`/`p99Ms` of the
 * sign-ins answered 200 (until 2026-12-07 every answer counted; there were no 429s then). The bulk bench's own figures (enforcementMs, fanoutUsersPerSec,
 * …) come alongside, measured under this load.
 */
export const summary = 'sign-ins through the gateway while a bulk expiry runs (Kafka)';

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  users: {
    value: 'N',
    default: '100000',
    description: "OKTA users the bulk expiry expires (bulk-expiry's --users)",
  },
  'signin-users': { value: 'U', default: '2000', description: 'AD users signing in meanwhile' },
  'capacity-seconds': { value: 'C', default: '5', description: 'closed-loop capacity measurement' },
  'phase-seconds': { value: 'P', default: '10', description: 'open-loop load before and after the expiry' },
  load: { value: 'F', default: '0.8', description: 'open-loop rate as a fraction of capacity' },
  concurrency: {
    value: 'K',
    default: '8',
    description: "connections of the capacity loop (also the fan-out's concurrency)",
  },
  samples: { value: 'S', default: '50', description: "bulk-expiry's --samples" },
  batch: { value: 'B', default: '2500', description: "bulk-expiry's --batch" },
  heap: { value: 'MB', default: 'SERVICE_HEAP_MB', description: "bulk-expiry's --heap" },
  'cpu-prof': { value: 'DIR', description: "bulk-expiry's --cpu-prof" },
};

export async function run(args: Record<string, string>): Promise<object> {
  const capacitySeconds = Number(args['capacity-seconds'] ?? 5);
  const phaseSeconds = Number(args['phase-seconds'] ?? 10);
  const load = Number(args.load ?? 0.8);
  const concurrency = Number(args.concurrency ?? 8);
  const signInUsers = Number(args['signin-users'] ?? 2000);
  const prefix = await mkdtemp(join(tmpdir(), 'lapse-bench-gateway-'));
  /** What runs between the hooks and must be stopped whatever happens. */
  const running: { gateway?: RunningGateway; during?: OpenLoop } = {};
  let signInUrl = '';
  let requests: Buffer[] = [];
  let capacity = 0;
  let rate = 0;
  const phases: Record<string, PhaseFigures> = {};
  try {
    const bulk = await bulkExpiry(
      { users: '100000', ...args, transport: 'kafka' },
      {
        async servicesStarted({ directoryUrl, identityUrl }) {
          const host = (url: string) => new URL(url).host;
          const gateway = await startGateway({
            host: '127.0.0.1',
            port: await freePort(),
            prefix,
            // The bench runs no notifier: its routes answer 503 (none is called).
            upstreams: {
              directory: host(directoryUrl),
              identity: host(identityUrl),
              notifier: `127.0.0.1:${await freePort()}`,
            },
          });
          running.gateway = gateway;
          signInUrl = `${gateway.url}/api/v1/sessions`;
          return { adminUrl: gateway.url, identityUrl: gateway.url };
        },
        async beforeExpiry({ adLogins, password }) {
          const logins = Array.from(
            { length: Math.min(signInUsers, adLogins.length) },
            (_, i) => adLogins[Math.floor((i * adLogins.length) / Math.min(signInUsers, adLogins.length))],
          );
          requests = logins.map((login) => RawHttpLane.post(signInUrl, { username: login, password }));
          await everyUserSignsIn(signInUrl, requests);
          capacity = await closedLoopCapacity(signInUrl, requests, concurrency, capacitySeconds);
          rate = capacity * load;
          const before = new OpenLoop(signInUrl, requests, rate);
          await sleep(phaseSeconds * 1000);
          phases.before = await before.stop();
        },
        async expiring() {
          running.during = new OpenLoop(signInUrl, requests, rate);
        },
        async afterExpiry() {
          phases.during = await (running.during as OpenLoop).stop();
          const after = new OpenLoop(signInUrl, requests, rate);
          await sleep(phaseSeconds * 1000);
          phases.after = await after.stop();
        },
      },
    );
    const fiveXx = Object.values(phases).reduce((sum, phase) => sum + phase.fiveXx, 0);
    const errors = Object.values(phases).reduce((sum, phase) => sum + phase.errors, 0);
    const shed = Object.values(phases).reduce((sum, phase) => sum + phase.shed, 0);
    // nginx logs each 5xx it made itself (a service down or too slow: its 503 envelope) with the reason.
    const gatewayErrors = ((await running.gateway?.errors()) ?? '').trimEnd().split('\n').filter(Boolean);
    return {
      signInCapacityPerSec: round(capacity),
      signInRatePerSec: round(rate),
      load,
      signIns: phases,
      fiveXx,
      shed,
      errors,
      gatewayErrorLog: { lines: gatewayErrors.length, last: gatewayErrors.slice(-3) },
      bulkExpiry: bulk,
    };
  } catch (error) {
    const log = (await running.gateway?.errors()) ?? '';
    throw new Error(
      `${(error as Error).message}; the gateway's error log ends:\n${log.trimEnd().split('\n').slice(-10).join('\n')}`,
    );
  } finally {
    await running.during?.stop();
    await running.gateway?.stop();
    await rm(prefix, { recursive: true, force: true });
  }
}

interface PhaseFigures {
  readonly seconds: number;
  readonly sent: number;
  readonly answeredPerSec: number;
  readonly succeededPerSec: number;
  readonly byStatus: Record<string, number>;
  readonly fiveXx: number;
  /** 429 answers: sign-ins identity shed past SIGN_IN_MAX_IN_FLIGHT (Retry-After: 1). */
  readonly shed: number;
  readonly errors: number;
  /** No answer, by what went wrong: a timeout (30 s), a dropped connection, all 1,000 connections busy. */
  readonly errorsByKind: Record<string, number>;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Each signing-in user is known to identity (its projection caught up with the whole seeding). */
async function everyUserSignsIn(url: string, requests: readonly Buffer[]): Promise<void> {
  const lanes = await Promise.all(Array.from({ length: 8 }, () => RawHttpLane.open(url)));
  try {
    let next = 0;
    await inParallel(lanes, lanes.length, async (lane) => {
      while (next < requests.length) {
        const request = requests[next++];
        const deadline = Date.now() + 5 * 60_000;
        while ((await lane.send(request)) !== 200) {
          if (Date.now() > deadline) throw new Error('a signing-in user never became signable');
          await sleep(250);
        }
      }
    });
  } finally {
    for (const lane of lanes) lane.close();
  }
}

/** Sign-ins answered 200 per second with `concurrency` connections sending back to back. */
async function closedLoopCapacity(
  url: string,
  requests: readonly Buffer[],
  concurrency: number,
  seconds: number,
): Promise<number> {
  const lanes = await Promise.all(Array.from({ length: concurrency }, () => RawHttpLane.open(url)));
  let ok = 0;
  let turn = 0;
  const end = performance.now() + seconds * 1000;
  try {
    await Promise.all(
      lanes.map(async (lane) => {
        while (performance.now() < end)
          if ((await lane.send(requests[turn++ % requests.length])) === 200) ok++;
      }),
    );
  } finally {
    for (const lane of lanes) lane.close();
  }
  if (ok === 0) throw new Error('no sign-in succeeded through the gateway');
  return ok / seconds;
}

/**
 * Sign-ins at a fixed rate, whatever the answers (an open loop): every 5 ms the requests due by then go
 * out, each on an idle connection or a new one (at most 1,000), and each is timed from when it was due.
 */
class OpenLoop {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly idle: RawHttpLane[] = [];
  private readonly lanes: RawHttpLane[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly latencies: number[] = [];
  private readonly byStatus: Record<string, number> = {};
  private sent = 0;
  private errors = 0;
  private readonly errorsByKind: Record<string, number> = {};
  private stopped: Promise<PhaseFigures> | null = null;

  constructor(
    private readonly url: string,
    private readonly requests: readonly Buffer[],
    private readonly perSecond: number,
  ) {
    this.timer = setInterval(() => this.tick(), 5);
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.started) * this.perSecond) / 1000);
    while (this.sent < due) {
      const dueAt = this.started + (this.sent * 1000) / this.perSecond;
      const request = this.requests[this.sent++ % this.requests.length];
      const sending = this.send(request, dueAt);
      this.inFlight.add(sending);
      sending.finally(() => this.inFlight.delete(sending));
    }
  }

  private async send(request: Buffer, dueAt: number): Promise<void> {
    let lane = this.idle.pop();
    try {
      if (!lane) {
        if (this.lanes.length >= 1000) throw new Error('1,000 connections busy');
        lane = await RawHttpLane.open(this.url);
        this.lanes.push(lane);
      }
      const status = await lane.send(request);
      // Sign-in latency is that of the sign-ins that succeeded: a shed one (429) answers at once.
      if (status === 200) this.latencies.push(performance.now() - dueAt);
      this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    } catch (error) {
      this.errors++;
      const kind = (error as Error).message;
      this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
    } finally {
      if (lane) this.idle.push(lane);
    }
  }

  /** Stops sending, waits for the answers still due, and returns the phase's figures. */
  stop(): Promise<PhaseFigures> {
    this.stopped ??= (async () => {
      clearInterval(this.timer);
      const seconds = (performance.now() - this.started) / 1000;
      await Promise.all([...this.inFlight]);
      for (const lane of this.lanes) lane.close();
      const sorted = [...this.latencies].sort((a, b) => a - b);
      const fiveXx = Object.entries(this.byStatus)
        .filter(([status]) => status.startsWith('5'))
        .reduce((sum, [, count]) => sum + count, 0);
      return {
        seconds: round(seconds),
        sent: this.sent,
        answeredPerSec: round(Object.values(this.byStatus).reduce((sum, count) => sum + count, 0) / seconds),
        succeededPerSec: round(sorted.length / seconds),
        byStatus: { ...this.byStatus },
        fiveXx,
        shed: this.byStatus['429'] ?? 0,
        errors: this.errors,
        errorsByKind: { ...this.errorsByKind },
        p50Ms: round(percentile(sorted, 50)),
        p99Ms: round(percentile(sorted, 99)),
      };
    })();
    return this.stopped;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
