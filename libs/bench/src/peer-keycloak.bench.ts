import { loadavg } from 'node:os';
import { hashArgon2id } from '@lapse/shared/crypto/argon2id';
import type { BenchFlags } from './flags';
import { round } from './infra';
import { fetchKeycloak, KeycloakTarget } from './peer/keycloak';
import { LapseTarget } from './peer/lapse';
import { type LoadFigures, signInLoad } from './peer/load';
import { sleep, TreeMemorySampler } from './peer/process-tree';
import type { PeerTarget } from './peer/target';

/**
 * `npm run bench -- peer-keycloak [--users N] [--seconds S] [--concurrency A,B] [--quick yes]`
 *
 * Lapse side by side with Keycloak, the same client against both, one server at a time on the same cores
 * (Keycloak first, then Lapse; each stopped before the next starts):
 * - Keycloak: `scripts/keycloak/keycloak.sh fetch` brings org.keycloak:keycloak-quarkus-dist (26.7.3, the
 *   newest on Maven Central when this was written) into ~/.cache/lapse/keycloak-<version> and builds it
 *   once (H2 file database `dev-file`, health endpoints, local cache). It runs in production mode
 *   (`kc.sh start --optimized`) on the newest JDK of at least 17 on the machine (Keycloak 26 supports
 *   OpenJDK 17, 21 and 25 and recommends the newest: Temurin 25 here, where the default `java` is 17),
 *   with its default password hashing, which the bench reads back from a stored credential and prints
 *   (argon2id, 7168 KiB, 5 iterations, 1 lane). Sign-in: the direct access grant (`grant_type=password`) on a
 *   public client, which issues signed tokens for every sign-in.
 * - Lapse: the all-in-one process (`dist/apps/main.js`, as `npm start`) on its embedded PostgreSQL, with
 *   the same argon2id cost (`--params keycloak` of the sign-in bench: PASSWORD_HASH_MEMORY_KIB=7168,
 *   PASSWORD_HASH_ITERATIONS=5). Sign-in: `POST /api/v1/authn`.
 * Figures, for each:
 * - startupMs: spawn → ready (Keycloak: the management port's /health/ready; Lapse: /health/ready), on an
 *   empty data directory (database created, schema migrated, first admin made);
 * - peak memory of the server's process tree over the whole run (PSS summed: Keycloak's launcher and JVM;
 *   Lapse's process and its PostgreSQL), and the peak RSS of the main process alone;
 * - importing N users (default 10,000) with the same pre-computed argon2id hash of one password
 *   (Keycloak: partial import, 500 users a request; Lapse: `POST /api/v1/users/import`, 1,000 a request;
 *   4 requests in flight): users/s by the requests, and catchUpMs until the last user imported can sign in;
 * - sign-ins/s, p50 and p99 latency at each concurrency for `--seconds` each, after a warm-up
 *   (`libs/bench/src/peer/load.ts`), rotating over 256 users (Okta's 4/s per username holds on Lapse); an
 *   answer other than 200 is counted by status and shown beside the figures (a 429 or 5xx: the server under
 *   that load), and fails the run only when it is a 4xx that says the bench asked wrongly;
 * - expiring every user's password (Keycloak: PUT each user with requiredActions ["UPDATE_PASSWORD"],
 *   `--expire-concurrency` at a time; Lapse: the bulk expiry and its job) until all is done, and the time
 *   until each of `--samples` users spread over the list (the last one included) is refused with its old
 *   password: Keycloak's token request answers "Account is not fully set up", Lapse's authn
 *   PASSWORD_EXPIRED. Each sampled user signs in back to back meanwhile.
 * The load generator runs in this process on the same two cores; absolute numbers on a shared machine are
 * noisy, the comparison is what the bench is for: the machine's load average when each server started and
 * when its figures were done is reported beside them. `--quick yes`: 1,000 users, 5 s rounds, 3 samples.
 * A full run takes about a quarter of an hour here (Keycloak's import is most of it); its default time limit
 * is `timeLimitSeconds` (1800 s) instead of the CLI's 1200, and the first run also fetches and builds
 * Keycloak (about 2 minutes). Both servers are stopped when a run ends, fails or passes its time limit.
 */
export const summary =
  'Keycloak and Lapse side by side: start-up, memory, import, sign-ins at two concurrencies, expiry';

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  users: { value: 'N', default: '10000 (1000 with --quick)', description: 'users imported into each' },
  seconds: { value: 'S', default: '20 (5 with --quick)', description: 'length of each sign-in round' },
  concurrency: { value: 'A,B', default: '4,32', description: 'connections of the sign-in rounds' },
  warmup: {
    value: 'S',
    default: '5 (2 with --quick)',
    description: 'sign-ins before the rounds, not counted',
  },
  samples: { value: 'S', default: '5 (3 with --quick)', description: 'users probed while expiring' },
  'expire-concurrency': { value: 'C', default: '8', description: 'Keycloak user updates in flight' },
  peers: { value: 'keycloak,lapse', default: 'keycloak,lapse', description: 'which servers to run' },
  quick: { value: 'yes|no', default: 'no', description: 'a short smoke run' },
};

/** A run's default `--time-limit` (the CLI's 1200 s is too close to a full run's length on a busy machine). */
export const timeLimitSeconds = 1800;

/** The argon2id cost of both: Keycloak 26's default policy, and Lapse's `--params keycloak`. */
const KEYCLOAK_ARGON2ID = { memoryKib: 7168, iterations: 5, parallelism: 1 } as const;
const LOAD_USERS = 256;

export async function run(args: Record<string, string>): Promise<object> {
  const quick = args.quick === 'yes';
  if (args.quick !== undefined && args.quick !== 'yes' && args.quick !== 'no')
    throw new Error('--quick takes yes or no');
  const users = whole(args.users, quick ? 1000 : 10_000, 'users');
  const seconds = whole(args.seconds, quick ? 5 : 20, 'seconds');
  const warmup = whole(args.warmup, quick ? 2 : 5, 'warmup', 0);
  const samples = Math.min(users, whole(args.samples, quick ? 3 : 5, 'samples'));
  const expireConcurrency = whole(args['expire-concurrency'], 8, 'expire-concurrency');
  const concurrencies = (args.concurrency ?? '4,32').split(',').map((each) => whole(each, 0, 'concurrency'));
  const peers = (args.peers ?? 'keycloak,lapse').split(',');
  if (peers.length === 0 || peers.some((peer) => peer !== 'keycloak' && peer !== 'lapse'))
    throw new Error('--peers: keycloak, lapse or both (comma-separated)');

  const password = 'Bench-Password-1';
  const phc = await hashArgon2id(password, KEYCLOAK_ARGON2ID);
  const logins = Array.from({ length: users }, (_, i) => `peer-${i}@bench.example`);
  const setup = { users, seconds, warmup, samples, concurrencies, expireConcurrency, password, phc, logins };

  const results: Record<string, PeerFigures> = {};
  for (const peer of peers) {
    const target =
      peer === 'keycloak'
        ? new KeycloakTarget(await fetchKeycloak(), { expireConcurrency, importConcurrency: 4 })
        : new LapseTarget({ ...KEYCLOAK_ARGON2ID, importConcurrency: 4 });
    process.stderr.write(`peer-keycloak: ${peer}: starting\n`);
    results[peer] = await measure(target, setup);
  }
  const table = renderTable(results, setup);
  process.stderr.write(`\n${table}\n`);
  return {
    ...results,
    users,
    secondsPerRound: seconds,
    concurrencies,
    hash: { algorithm: 'argon2id', ...KEYCLOAK_ARGON2ID },
    table,
  };
}

interface Setup {
  readonly users: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly samples: number;
  readonly concurrencies: readonly number[];
  readonly password: string;
  readonly phc: string;
  readonly logins: readonly string[];
}

interface PeerFigures {
  readonly about: Record<string, unknown>;
  readonly hashing: Record<string, unknown>;
  readonly startupMs: number;
  /** The machine's 1-minute load average when this server started and when its last figure was taken. */
  readonly loadAverage: { atStart: number; atEnd: number };
  readonly memory: { peakTreePssMb: number; peakLargestProcessRssMb: number };
  readonly import: { users: number; seconds: number; usersPerSec: number; catchUpMs: number };
  readonly signIn: Record<string, LoadFigures>;
  readonly expiry: {
    requestsDoneMs: number;
    completedMs: number;
    usersPerSec: number;
    refusedFirstMs: number;
    refusedLastMs: number;
    sampled: number;
    probeAnswers: Record<string, number>;
  };
}

async function measure(target: PeerTarget, setup: Setup): Promise<PeerFigures> {
  let memory: TreeMemorySampler | null = null;
  const loadAtStart = round(loadavg()[0], 2);
  try {
    const startPromise = target.start();
    // The sampler needs the pid, known as soon as the process is spawned.
    while (target.pid === 0) await sleep(5);
    memory = new TreeMemorySampler(target.pid);
    const { readyMs } = await startPromise;
    const hashing = await target.hashingInEffect();
    process.stderr.write(
      `peer-keycloak: ${target.name}: ready in ${round(readyMs / 1000)} s; hashing ${JSON.stringify(hashing)}\n`,
    );

    const importStarted = performance.now();
    await target.importUsers(setup.logins, setup.phc);
    const importSeconds = (performance.now() - importStarted) / 1000;
    const last = setup.logins[setup.logins.length - 1];
    const catchUpStarted = performance.now();
    await until(target, last, setup.password, 'signed-in', 5 * 60_000);
    const catchUpMs = performance.now() - catchUpStarted;
    const loadLogins = setup.logins.slice(0, Math.min(LOAD_USERS, setup.logins.length));
    for (const login of loadLogins) await until(target, login, setup.password, 'signed-in', 60_000);
    process.stderr.write(
      `peer-keycloak: ${target.name}: imported ${setup.users} users in ${round(importSeconds)} s\n`,
    );

    const requests = loadLogins.map((login) => target.signInRequest(login, setup.password));
    if (setup.warmup > 0) await signInLoad(target.signInUrl, requests, setup.concurrencies[0], setup.warmup);
    const signIn: Record<string, LoadFigures> = {};
    for (const concurrency of setup.concurrencies) {
      const figures = await signInLoad(target.signInUrl, requests, concurrency, setup.seconds);
      // A 4xx other than 429 means the bench asked wrongly (a user or password it did not import): the
      // figures would mean nothing. A 429 or a 5xx is the server's answer under this load: counted, shown.
      const wrong = Object.keys(figures.failuresByStatus).filter((s) => /^4/.test(s) && s !== '429');
      if (wrong.length > 0 || figures.signIns === 0)
        throw new Error(
          `${target.name}: sign-ins failed at concurrency ${concurrency}: ${JSON.stringify(figures.failuresByStatus)}`,
        );
      signIn[`c${concurrency}`] = figures;
      process.stderr.write(`peer-keycloak: ${target.name}: sign-ins ${JSON.stringify(figures)}\n`);
    }

    const sampled = spread(setup.logins, setup.samples);
    const probeAnswers: Record<string, number> = {};
    const started = performance.now();
    const expiring = target.expireAll();
    // Awaited below, after the probes; until then a failure of it must not be an unhandled rejection.
    expiring.catch(() => undefined);
    const refusedAfter = await Promise.all(
      sampled.map(async (login) => {
        for (;;) {
          const answer = await target.probe(login, setup.password);
          probeAnswers[answer] = (probeAnswers[answer] ?? 0) + 1;
          if (answer === 'refused-expired') return performance.now() - started;
          if (answer !== 'signed-in') throw new Error(`${target.name}: probe of ${login} answered ${answer}`);
          if (performance.now() - started > 15 * 60_000)
            throw new Error(`${target.name}: ${login} still signs in 15 minutes after the expiry began`);
        }
      }),
    );
    const { requestsDoneMs, completedMs } = await expiring;
    process.stderr.write(
      `peer-keycloak: ${target.name}: expired every password in ${round(completedMs)} ms\n`,
    );
    return {
      about: target.about,
      hashing,
      startupMs: Math.round(readyMs),
      loadAverage: { atStart: loadAtStart, atEnd: round(loadavg()[0], 2) },
      memory: await memory.finish(),
      import: {
        users: setup.users,
        seconds: round(importSeconds),
        usersPerSec: Math.round(setup.users / importSeconds),
        catchUpMs: Math.round(catchUpMs),
      },
      signIn,
      expiry: {
        requestsDoneMs: Math.round(requestsDoneMs),
        completedMs: Math.round(completedMs),
        usersPerSec: Math.round(setup.users / (completedMs / 1000)),
        refusedFirstMs: round(Math.min(...refusedAfter), 1),
        refusedLastMs: round(Math.max(...refusedAfter), 1),
        sampled: sampled.length,
        probeAnswers,
      },
    };
  } catch (error) {
    // A request refused or cut off because the server died says nothing by itself: say how it ended.
    const ended = target.ended;
    if (ended === null) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${ended}`);
  } finally {
    memory?.stop();
    await target.stop();
  }
}

/** Probes `login` until it answers `wanted`, failing after `timeoutMs`. */
async function until(target: PeerTarget, login: string, password: string, wanted: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await target.probe(login, password);
    if (answer === wanted) return;
    if (Date.now() > deadline) throw new Error(`${target.name}: ${login} answered ${answer}, not ${wanted}`);
    await sleep(100);
  }
}

/** `count` items evenly spread over `list`, its last item included. */
function spread<T>(list: readonly T[], count: number): T[] {
  const picked = Array.from(
    { length: count },
    (_, i) => list[Math.floor(((i + 1) * list.length) / count) - 1],
  );
  return [...new Set(picked)];
}

function whole(value: string | undefined, fallback: number, flag: string, least = 1): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < least)
    throw new Error(`--${flag} takes a whole number of at least ${least}`);
  return number;
}

/** The figures side by side, as a Markdown table (docs/performance.md takes it as it is). */
export function renderTable(
  results: Record<string, PeerFigures>,
  setup: Pick<Setup, 'users' | 'seconds' | 'concurrencies'>,
): string {
  const peers = Object.keys(results);
  const head = peers.map((peer) =>
    peer === 'keycloak' ? `Keycloak ${String(results[peer].about.version)}` : 'Lapse (all-in-one)',
  );
  const rows: [string, (figures: PeerFigures) => string][] = [
    [
      'machine load average (1 min), at start / end',
      (f) => `${f.loadAverage.atStart} / ${f.loadAverage.atEnd}`,
    ],
    ['start-up, spawn → ready (s)', (f) => seconds(f.startupMs)],
    ['peak memory, process tree PSS (MB)', (f) => String(f.memory.peakTreePssMb)],
    ['peak RSS of its largest process (MB)', (f) => String(f.memory.peakLargestProcessRssMb)],
    [
      `import ${setup.users.toLocaleString('en')} users with hashes (users/s)`,
      (f) => String(f.import.usersPerSec),
    ],
    ['… until the last imported user signs in (ms)', (f) => String(f.import.catchUpMs)],
    ...setup.concurrencies.map(
      (c) =>
        [
          `sign-ins/s at ${c} connections, ${setup.seconds} s (p50 / p99 ms)`,
          (f: PeerFigures) => {
            const load = f.signIn[`c${c}`];
            const failed = Object.entries(load.failuresByStatus).map(([status, n]) => `${n}× ${status}`);
            return `${load.signInsPerSec} (${load.p50Ms} / ${load.p99Ms})${failed.length ? `; not 200: ${failed.join(', ')}` : ''}`;
          },
        ] as [string, (figures: PeerFigures) => string],
    ),
    ['expire every password: all done (s)', (f) => seconds(f.expiry.completedMs)],
    ['… users expired per second', (f) => String(f.expiry.usersPerSec)],
    [
      '… old password refused, first / last sampled user (ms)',
      (f) => `${f.expiry.refusedFirstMs} / ${f.expiry.refusedLastMs}`,
    ],
  ];
  const lines = [`| | ${head.join(' | ')} |`, `|---|${peers.map(() => '---:').join('|')}|`];
  for (const [label, cell] of rows)
    lines.push(`| ${label} | ${peers.map((peer) => cell(results[peer])).join(' | ')} |`);
  return lines.join('\n');
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
