import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { availableParallelism } from 'node:os';
import { hashArgon2id, verifyArgon2id } from '@lapse/shared/crypto/argon2id';
import { PasswordVerifier } from '../../../apps/identity/src/sign-in/password-verifier';
import { createUser, httpJson, startBenchStack } from './bench-stack';
import { inParallel, percentile, round } from './infra';

/**
 * `npm run bench -- sign-in --seconds N [--params owasp|keycloak] [--memory-kib M --iterations T]`
 * Sessions created over HTTP (legacy `POST /api/v1/sessions {username, password}`: the full gate) at full
 * load, against raw argon2id verifications with the same parameters in the same run (same process, same
 * libuv pool). Load rotates over 256 users so Okta's 4/s per-username limit is honoured. Defaults: OWASP
 * argon2id m=19456 KiB, t=2, p=1; `--params keycloak`: m=7168 KiB, t=5, p=1.
 *
 * Gate overhead, measured one request at a time (`--overhead-samples`, 300), is all but the hash of the
 * server's handling of a sign-in: from the HTTP server's `request` event (request head parsed) to the
 * response's `finish` (the whole response handed to the socket), minus the time of every password
 * verification made during that request. It counts body parsing, Nest routing, validation, the rate limit,
 * the database round trips, the gate, session creation, serialization, whatever else runs on the event loop
 * meanwhile (background readers, GC), and waiting for the verification's result to reach the event loop.
 * It does not count what the bench's own HTTP client does (building the request, parsing the response)
 * nor loopback transit: the client runs in this same process, on the server's event loop, which no real
 * client does. That client-side view is still reported as `roundTripOverhead*` (round trip seen by the
 * client minus the verifications), the figure `gateOverhead*` was before 2026-11-27.
 */
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
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < loadEnd) {
            const answer = await signIn(logins[turn++ % logins.length]);
            if (answer.status === 200) signIns++;
            else failures++;
          }
        }),
      );
    }
    const hashVerifiesPerSec = verifies / seconds;
    const signInsPerSec = signIns / seconds;

    // Gate overhead: one request at a time, timed on the server, minus the request's verifications.
    const verifier = stack.identityApp.get(PasswordVerifier, { strict: false });
    const server = stack.identityApp.getHttpServer() as Server;
    let handling: { hashMs: number; handledMs: number } | null = null;
    const timeHandling = (_request: IncomingMessage, response: ServerResponse) => {
      const started = performance.now();
      const timing = { hashMs: 0, handledMs: Number.NaN };
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
        if (timing) timing.hashMs += performance.now() - started;
      }
    };
    server.prependListener('request', timeHandling);
    const overheads: number[] = [];
    const roundTrips: number[] = [];
    const samples = Number(args['overhead-samples'] ?? 300);
    try {
      for (let i = 0; i < samples; i++) {
        handling = null;
        const started = performance.now();
        const answer = await signIn(logins[i % logins.length]);
        const roundTripMs = performance.now() - started;
        if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status}`);
        const timing = handling as { hashMs: number; handledMs: number } | null;
        if (!timing || Number.isNaN(timing.handledMs)) throw new Error('sign-in not timed on the server');
        overheads.push(timing.handledMs - timing.hashMs);
        roundTrips.push(roundTripMs - timing.hashMs);
      }
    } finally {
      server.off('request', timeHandling);
      verifier.verify = original;
    }
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
