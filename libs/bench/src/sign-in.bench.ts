import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import { hashArgon2id, verifyArgon2id } from '@lapse/shared/crypto/argon2id';
import { PasswordVerifier } from '../../../apps/identity/src/sign-in/password-verifier';
import { createUser, httpJson, startBenchStack } from './bench-stack';
import { inParallel, percentile, round } from './infra';
import { RawHttpLane } from './raw-http-lane';
import type { BenchFlags } from './flags';

/**
 * `npm run bench -- sign-in --seconds N [--params owasp|keycloak] [--memory-kib M --iterations T]`
 * Sessions created over HTTP (legacy `POST /api/v1/sessions {username, password}`: the full gate) at full
 * load, against raw argon2id verifications with the same parameters in the same run (same process, same
 * libuv pool). Load rotates over 256 users so Okta's 4/s per-username limit is honoured; the per-client and
 * global sign-in limits (`AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE`, `_GLOBAL_PER_MINUTE`) are set far above
 * what one address can send (`bench-stack.ts`), since all the load comes from here. Defaults: OWASP
 * argon2id m=19456 KiB, t=2, p=1; `--params keycloak`: m=7168 KiB, t=5, p=1.
 *
 * The load generator runs in this process, on the server's event loop and cores. It sends
 * pre-built requests over `--concurrency` keep-alive sockets and reads only each answer's status
 * (`raw-http-lane.ts`, as wrk or autocannon do) instead of building each request with `http.request` and
 * parsing every JSON answer; what the server does per sign-in is unchanged, the generator just takes less
 * of the two cores from it. Every answer's status is still checked (`failures`).
 *
 * Gate overhead, measured one request at a time (`--overhead-samples`, 1,000), is all but the hash of the
 * server's handling of a sign-in: from the HTTP server's `request` event (request head parsed) to the
 * response's `finish` (the whole response handed to the socket), minus the time of every password
 * verification made during that request. It counts body parsing, Nest routing, validation, the rate limit,
 * the database round trips, the gate, session creation, serialization, whatever else runs on the event loop
 * meanwhile (background readers, GC), and waiting for the verification's result to reach the event loop.
 * It does not count what the bench's own HTTP client does (building the request, parsing the response)
 * nor loopback transit: the client runs in this same process, on the server's event loop, which no real
 * client does. That client-side view is still reported as `roundTripOverhead*` (round trip seen by the
 * client minus the verifications), the figure `gateOverhead*` was before 2026-11-27.
 *
 * The default is 1,000 overhead samples, not 300: the p99 of 300 is the 4th worst request, so one young GC
 * or database hiccup more or less moved it between runs (figures before 2026-11-27 used 300). Beside it, to
 * show where the tail comes from: `gateDb*`, the part of the sign-in's own statements that lies outside its verifications (so within
 * that overhead); `gateRest*`, the overhead minus them; `overheadSamplesWithGc`, the samples during whose
 * counted time a GC pause began (outside the verifications), and the longest such pause.
 *
 * The sign-in's credential lookup also writes the session it would open, and with a
 * remembered hash the verification starts while that statement is in flight (docs/identity.md, "The
 * gate"): the statement mostly overlaps the hash, so `gateDb*` is usually 0. The verification's own
 * bracket (from calling `verify` to its result reaching the event loop) is what is subtracted, as before.
 */
export const summary =
  "sessions per second over HTTP against raw argon2id verifications, and the gate's overhead";

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  seconds: { value: 'N', default: '10', description: 'length of each load round' },
  params: {
    value: 'owasp|keycloak',
    default: 'owasp',
    description: 'argon2id parameters (m=19456 t=2, or m=7168 t=5)',
  },
  'memory-kib': { value: 'M', description: 'argon2id memory, overriding --params' },
  iterations: { value: 'T', description: 'argon2id iterations, overriding --params' },
  concurrency: { value: 'C', default: 'twice the libuv pool', description: 'keep-alive sockets of the load' },
  users: { value: 'U', default: '256', description: "users the load rotates over (Okta's 4/s per username)" },
  rounds: { value: 'R', default: '3', description: 'load rounds' },
  'overhead-samples': {
    value: 'S',
    default: '1000',
    description: 'one-at-a-time requests for the gate overhead',
  },
};

export async function run(args: Record<string, string>): Promise<object> {
  const seconds = Number(args.seconds ?? 10);
  const keycloak = args.params === 'keycloak';
  const hashParams = {
    type: 'argon2id',
    memoryKib: Number(args['memory-kib'] ?? (keycloak ? 7168 : 19456)),
    iterations: Number(args.iterations ?? (keycloak ? 5 : 2)),
    parallelism: 1,
  };
  const cores = availableParallelism();
  const pool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const concurrency = Number(args.concurrency ?? pool * 2);
  const stack = await startBenchStack({
    transport: 'embedded',
    env: {
      PASSWORD_HASH_MEMORY_KIB: String(hashParams.memoryKib),
      PASSWORD_HASH_ITERATIONS: String(hashParams.iterations),
    },
  });
  try {
    const password = 'Bench-Password-1';
    const logins = Array.from(
      { length: Number(args.users ?? 256) },
      (_, i) => `signin-${i}-${Date.now()}@bench.example`,
    );
    await inParallel(logins, 4, async (login) => void (await createUser(stack, login, password)));
    const signIn = (login: string) =>
      httpJson(`${stack.identityUrl}/api/v1/sessions`, 'POST', { username: login, password });
    await inParallel(logins, 4, async (login) => {
      const deadline = Date.now() + 30_000;
      while ((await signIn(login)).status !== 200) {
        if (Date.now() > deadline) throw new Error('user never became signable');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    // Raw argon2id verification rate (same parameters, same process and thread pool) and sign-ins over
    // HTTP at full load, in alternating rounds so both see the same background load.
    const hash = await hashArgon2id(password, hashParams);
    const url = `${stack.identityUrl}/api/v1/sessions`;
    const requests = logins.map((login) => RawHttpLane.post(url, { username: login, password }));
    const lanes = await Promise.all(Array.from({ length: concurrency }, () => RawHttpLane.open(url)));
    const rounds = Number(args.rounds ?? 3);
    const roundMs = (seconds * 1000) / rounds;
    let verifies = 0;
    let signIns = 0;
    let failures = 0;
    let turn = 0;
    for (let round = 0; round < rounds; round++) {
      const hashEnd = performance.now() + roundMs;
      await Promise.all(
        Array.from({ length: pool }, async () => {
          while (performance.now() < hashEnd) {
            await verifyArgon2id(hash, password);
            verifies++;
          }
        }),
      );
      const loadEnd = performance.now() + roundMs;
      await Promise.all(
        lanes.map(async (lane) => {
          while (performance.now() < loadEnd) {
            const status = await lane.send(requests[turn++ % requests.length]);
            if (status === 200) signIns++;
            else failures++;
          }
        }),
      );
    }
    for (const lane of lanes) lane.close();
    const hashVerifiesPerSec = verifies / seconds;
    const signInsPerSec = signIns / seconds;

    // Gate overhead: one request at a time, timed on the server, minus the request's verifications.
    const verifier = stack.identityApp.get(PasswordVerifier, { strict: false });
    const server = stack.identityApp.getHttpServer() as Server;
    const database = stack.identityApp.get<symbol, Pool>(PG_POOL, { strict: false });
    let handling: Timing | null = null;
    const timeHandling = (_request: IncomingMessage, response: ServerResponse) => {
      const started = performance.now();
      const timing: Timing = { started, hashMs: 0, handledMs: Number.NaN, hashes: [], statements: [] };
      handling = timing;
      response.once('finish', () => {
        timing.handledMs = performance.now() - started;
      });
    };
    const original = verifier.verify.bind(verifier);
    verifier.verify = async (h, p) => {
      const timing = handling;
      const started = performance.now();
      try {
        return await original(h, p);
      } finally {
        const ended = performance.now();
        if (timing) {
          timing.hashMs += ended - started;
          timing.hashes.push([started, ended]);
        }
      }
    };
    const originalQuery = database.query;
    const ownStatements = new Set([
      'identity-gate-facts-by-login',
      'identity-gate-facts-opening-session',
      'identity-insert-session',
    ]);
    database.query = ((config: unknown, ...rest: unknown[]) => {
      const timing = handling;
      const name = (config as { name?: string } | null)?.name;
      const answer = (originalQuery as (...args: unknown[]) => unknown).call(database, config, ...rest);
      if (!timing || !name || !ownStatements.has(name) || !(answer instanceof Promise)) return answer;
      const started = performance.now();
      return answer.finally(() => {
        timing.statements.push([started, performance.now()]);
      });
    }) as Pool['query'];
    const gcs: [number, number][] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcs.push([entry.startTime, entry.duration]);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const timings: Timing[] = [];
    server.prependListener('request', timeHandling);
    const overheads: number[] = [];
    const roundTrips: number[] = [];
    const samples = Number(args['overhead-samples'] ?? 1000);
    try {
      for (let i = 0; i < samples; i++) {
        handling = null;
        const started = performance.now();
        const answer = await signIn(logins[i % logins.length]);
        const roundTripMs = performance.now() - started;
        if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status}`);
        const timing = handling as Timing | null;
        if (!timing || Number.isNaN(timing.handledMs)) throw new Error('sign-in not timed on the server');
        overheads.push(timing.handledMs - timing.hashMs);
        roundTrips.push(roundTripMs - timing.hashMs);
        timings.push(timing);
      }
    } finally {
      server.off('request', timeHandling);
      verifier.verify = original;
      database.query = originalQuery;
      gcObserver.disconnect();
    }
    const gcPausesCounted = timings.map((timing) =>
      gcs.filter(
        ([start]) =>
          start >= timing.started &&
          start <= timing.started + timing.handledMs &&
          !timing.hashes.some(([from, to]) => start >= from && start < to),
      ),
    );
    const sorted = (values: number[]) => values.sort((a, b) => a - b);
    const dbMs = timings.map(outsideHashes);
    const restMs = sorted(timings.map((timing, i) => timing.handledMs - timing.hashMs - dbMs[i]));
    sorted(dbMs);
    const gcPauses = gcPausesCounted.flat().map(([, duration]) => duration);
    overheads.sort((a, b) => a - b);
    roundTrips.sort((a, b) => a - b);
    return {
      signInsPerSec: round(signInsPerSec),
      hashVerifiesPerSec: round(hashVerifiesPerSec),
      ratio: round(signInsPerSec / hashVerifiesPerSec, 3),
      gateOverheadP99Ms: round(percentile(overheads, 99), 3),
      gateOverheadP50Ms: round(percentile(overheads, 50), 3),
      roundTripOverheadP99Ms: round(percentile(roundTrips, 99), 3),
      roundTripOverheadP50Ms: round(percentile(roundTrips, 50), 3),
      gateDbP99Ms: round(percentile(dbMs, 99), 3),
      gateDbP50Ms: round(percentile(dbMs, 50), 3),
      gateRestP99Ms: round(percentile(restMs, 99), 3),
      gateRestP50Ms: round(percentile(restMs, 50), 3),
      overheadSamples: samples,
      overheadSamplesWithGc: gcPausesCounted.filter((pauses) => pauses.length > 0).length,
      overheadGcPauseMaxMs: round(Math.max(0, ...gcPauses), 3),
      signInsPerSecPerCore: round(signInsPerSec / cores),
      failures,
      cores,
      threadPool: pool,
      concurrency,
      seconds,
      hashParams,
    };
  } finally {
    await stack.stop();
  }
}

/** One sign-in as the server handled it: when it began, how long, and the parts that are not gate overhead. */
interface Timing {
  readonly started: number;
  hashMs: number;
  handledMs: number;
  readonly hashes: [number, number][];
  /** The sign-in's own statements, from the query call to its answer. */
  readonly statements: [number, number][];
}

/** The time the sign-in's own statements took outside its verifications (what of them is gate overhead). */
function outsideHashes(timing: Timing): number {
  let total = 0;
  for (const [from, to] of timing.statements) {
    let overlap = 0;
    for (const [hashFrom, hashTo] of timing.hashes)
      overlap += Math.max(0, Math.min(to, hashTo) - Math.max(from, hashFrom));
    total += to - from - overlap;
  }
  return total;
}
