import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashArgon2id } from '@lapse/shared/crypto/argon2id';
import { freePort } from '@lapse/shared/database/free-port';
import { createPool } from '@lapse/shared/database/pg';
import type { Pool } from 'pg';
import { allInOneCommand } from '../../stack/src/service-command';
import { inParallel, kafkaBrokerPids, processCpuSeconds, startBenchInfra } from './infra';
import type { BenchFlags } from './flags';

/**
 * `npm run bench -- bulk-expiry --users N --transport kafka|embedded [--scope org|group|ids] [--samples S] [--batch B] [--concurrency C] [--heap MB] [--cpu-prof DIR] [--json FILE]`
 *
 * Seeds N OKTA users and N/10 ACTIVE_DIRECTORY users through the batch hash-import path, waits until
 * identity can sign every sampled user in, then expires all OKTA users with one call and measures:
 * - enforcementMs: from the 202 until identity refuses every sampled OKTA user (legacy session answering
 *   401 E0000064) — the O(1) fact at work (target, issue #20: ≤ 500 ms). Each sampled user signs in again as soon
 *   as it is answered (52 clients back to back), so the figure is when identity holds the fact plus how
 *   long it takes to answer that queue on cores the fan-out saturates; `enforcementFirstMs` (the first
 *   refusal: about when identity holds the fact) and `enforcementMedianMs` (diagnostic) tell the two apart;
 * - fanoutUsersPerSec: per-user PasswordExpired events appended per second by the fan-out (job created →
 *   completed, server clock; target, issue #20: ≥ 35,000/s over Kafka, ≥ 50,000/s embedded); fanoutPhasesMs splits that time (see `phasesOf`);
 * - deliveredUsersPerSec / deliveredSeconds (diagnostic): from the 202 until identity's
 *   projection holds every expired user's own PasswordExpired (its stored status PASSWORD_EXPIRED), polled
 *   every 100 ms: the fan-out end to end, relay and consumer included. Larger `--batch` sizes raise
 *   fanoutUsersPerSec partly by deferring delivery (the relay reads a batch's events only once it commits);
 *   this figure shows whether delivery got faster too;
 * - AD users affected (must be 0): none is PASSWORD_EXPIRED in directory, sampled ones still sign in;
 *   with `--scope group` the N OKTA users are imported as members of one group, the expiry is scoped to it
 *   (`groupIds`), and the N/10 users left alone are OKTA users outside the group (same figures, same checks);
 *   with `--scope ids` the call lists the N OKTA users' ids (`userIds`, at most 100,000: one request, the
 *   set shipped to identity in chunks) and the N/10 users left alone are OKTA users not listed;
 * - peakRssMb: peak resident memory (VmHWM) of each service process (target, issue #20: ≤ 150 MB per microservice, ≤ 250 MB
 *   for the all-in-one process);
 * - cpuSecondsDuringFanout: CPU time (user + system, /proc) each service process, the Kafka broker and each
 *   database's PostgreSQL backends spent from the expiry request until the job was seen COMPLETED: what the relay,
 *   the consumers and the job take from the same cores (diagnostic: a backend that exits mid-way is missed,
 *   one that starts mid-way counts whole).
 * Services run as separate child processes from `dist/` (kafka: directory + identity; embedded: the
 * all-in-one process), with the V8 flags their start commands set, so their memory is measured on its own. Hashes are cheap (argon2id m=1024, t=1).
 */
/** The V8 old-space budget the services' start commands give each service process (`SERVICE_HEAP_MB`). */
const SERVICE_HEAP_MB = 160;
/** The V8 old-space budget `npm start` gives the all-in-one process (`ALL_IN_ONE_HEAP_MB`'s default), read from its script. */
function allInOneHeapMb(): number {
  const flag = allInOneCommand({}).nodeFlags.find((each) => each.startsWith('--max-old-space-size='));
  return flag ? Number(flag.slice('--max-old-space-size='.length)) : 0;
}
/** The other V8 flags the same start commands give every service process (README `SERVICE_HEAP_MB`). */
const SERVICE_V8_FLAGS = [
  '--max-semi-space-size=32',
  '--no-allocation-site-pretenuring',
  '--heap-growing-percent=100',
];

/**
 * What another benchmark does around this one's bulk expiry (`mixed-load.bench.ts`): each hook runs at
 * its point of the run, with the services up; a hook that throws fails the run.
 */
export interface BulkExpiryHooks {
  /**
   * The services answer: directory's and identity's own URLs. Returns the URLs every call of the run
   * goes to from then on (seeding, probes, the expiry), e.g. a gateway's in front of both.
   */
  servicesStarted?(direct: {
    readonly directoryUrl: string;
    readonly identityUrl: string;
  }): Promise<{ readonly adminUrl: string; readonly identityUrl: string }>;
  /** Seeded and caught up, just before the expiry request: the users who keep signing in (not expired). */
  beforeExpiry?(seeded: { readonly adLogins: readonly string[]; readonly password: string }): Promise<void>;
  /** Right before the expiry request (after the measurements' starting points were taken). */
  expiring?(): Promise<void>;
  /** The job completed and identity holds every expired user's own PasswordExpired. */
  afterExpiry?(): Promise<void>;
}

export const summary = 'expire every OKTA user of N with one call: enforcement, fan-out rate, memory, CPU';

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  users: {
    value: 'N',
    default: '100000',
    description: 'OKTA users to seed and expire (plus N/10 AD users left alone)',
  },
  transport: {
    value: 'kafka|embedded',
    default: 'kafka',
    description: 'microservices over Kafka, or the all-in-one process',
  },
  samples: { value: 'S', default: '50', description: 'users whose sign-in is probed for enforcement' },
  batch: { value: 'B', default: '2500', description: 'BULK_EXPIRY_BATCH_SIZE of the fan-out' },
  concurrency: { value: 'C', default: '4', description: 'BULK_EXPIRY_CONCURRENCY of the fan-out' },
  heap: {
    value: 'MB',
    default: 'SERVICE_HEAP_MB (kafka), ALL_IN_ONE_HEAP_MB (embedded)',
    description: "V8 heap budget of each service process; 0: Node's own",
  },
  'cpu-prof': { value: 'DIR', description: "write each service's CPU profile (--cpu-prof) to DIR" },
  scope: {
    value: 'org|group|ids',
    default: 'org',
    description:
      'org: expire every OKTA user; group: the N OKTA users are imported into one group and the call is scoped to it (groupIds), the N/10 users left alone are OKTA users outside the group instead of AD users; ids: the call lists the N OKTA users (userIds, N at most 100000), the N/10 left alone are OKTA users not listed',
  },
};

export function run(args: Record<string, string>): Promise<object> {
  return bulkExpiry(args);
}

export async function bulkExpiry(args: Record<string, string>, hooks: BulkExpiryHooks = {}): Promise<object> {
  const users = Number(args.users ?? 100_000);
  const adUsers = Math.floor(users / 10);
  const samples = Math.min(Number(args.samples ?? 50), users);
  const transport = (args.transport ?? 'kafka') as 'kafka' | 'embedded';
  const scope = args.scope ?? 'org';
  if (scope !== 'org' && scope !== 'group' && scope !== 'ids')
    throw new Error(`--scope: org, group or ids, not ${scope}`);
  if (scope === 'ids' && users > 100_000) throw new Error('--scope ids: at most 100000 users (one request)');
  // The users left alone: AD users (org scope), or OKTA users outside the group or the list.
  const controlProvider = scope === 'org' ? 'ACTIVE_DIRECTORY' : 'OKTA';
  // Microservices run with the heap budget `npm run start:<service>` and docker-compose give them, the
  // all-in-one process with `npm start`'s. `--heap MB` sets another budget, `--heap 0` Node's own.
  const heapMb = Number(args.heap ?? (transport === 'kafka' ? SERVICE_HEAP_MB : allInOneHeapMb()));
  const infra = await startBenchInfra();
  const services: Service[] = [];
  let postgres: Pool | null = null;
  try {
    const adminToken = `00bench${randomBytes(16).toString('hex')}`;
    const serviceToken = randomBytes(24).toString('hex');
    const common: Record<string, string> = {
      HOST: '127.0.0.1',
      ADMIN_API_TOKEN: adminToken,
      SERVICE_API_TOKEN: serviceToken,
      ADMIN_RATE_LIMIT_PER_MINUTE: '100000000',
      // The enforcement probes sign in at full speed from one address: the per-client and global sign-in
      // limits are not what is measured.
      AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '100000000',
      AUTHN_RATE_LIMIT_GLOBAL_PER_MINUTE: '100000000',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_ITERATIONS: '1',
      LOG_LEVEL: 'warn',
      BULK_EXPIRY_BATCH_SIZE: args.batch ?? '2500',
      BULK_EXPIRY_CONCURRENCY: args.concurrency ?? '4',
    };
    // Command-line flags, as the start commands give them (two of them are refused in NODE_OPTIONS); `npm
    // start` gives the all-in-one process its heap budget only.
    const nodeFlags =
      heapMb <= 0
        ? []
        : [`--max-old-space-size=${heapMb}`, ...(transport === 'kafka' ? SERVICE_V8_FLAGS : [])];
    let adminUrl: string;
    let identityUrl: string;
    let identityDatabase: string;
    let directoryDatabase: string;
    if (transport === 'kafka') {
      const kafka = { TRANSPORT: 'kafka', KAFKA_BROKERS: (await infra.kafka()).join(',') };
      directoryDatabase = await infra.database('bench_directory');
      const directory = await startService(
        'directory',
        'apps/directory/src/main.js',
        {
          ...common,
          ...kafka,
          DATABASE_URL: directoryDatabase,
        },
        nodeFlags,
        args['cpu-prof'],
      );
      services.push(directory);
      identityDatabase = await infra.database('bench_identity');
      const identity = await startService(
        'identity',
        'apps/identity/src/main.js',
        {
          ...common,
          ...kafka,
          DATABASE_URL: identityDatabase,
          DIRECTORY_URL: directory.url,
        },
        nodeFlags,
        args['cpu-prof'],
      );
      services.push(identity);
      adminUrl = directory.url;
      identityUrl = identity.url;
    } else {
      identityDatabase = await infra.database('bench_lapse');
      directoryDatabase = identityDatabase;
      const lapse = await startService(
        'all-in-one',
        'apps/main.js',
        {
          ...common,
          DATABASE_URL: identityDatabase,
        },
        nodeFlags,
        args['cpu-prof'],
      );
      services.push(lapse);
      adminUrl = lapse.url;
      identityUrl = lapse.url;
    }
    if (hooks.servicesStarted)
      ({ adminUrl, identityUrl } = await hooks.servicesStarted({ directoryUrl: adminUrl, identityUrl }));
    const admin = (method: string, path: string, body?: unknown) =>
      json(`${adminUrl}${path}`, method, body, { authorization: `SSWS ${adminToken}` });

    // Seed through the batch import path with a real (cheap) argon2id hash of one known password.
    const password = 'Bench-Password-1';
    const hash = await hashArgon2id(password, { memoryKib: 1024, iterations: 1, parallelism: 1 });
    const run = randomBytes(3).toString('hex');
    const oktaLogins: string[] = [];
    const adLogins: string[] = [];
    const rssSampler = sampleRss(services);
    const seedStarted = performance.now();
    const group =
      scope === 'group'
        ? (
            (await admin('POST', '/api/v1/groups', { profile: { name: `bench-${run}` } })).body as {
              id: string;
            }
          ).id
        : null;
    const batches: { provider: 'OKTA' | 'ACTIVE_DIRECTORY'; logins: string[]; member: boolean }[] = [];
    for (const [provider, count, into, prefix, member] of [
      ['OKTA', users, oktaLogins, 'okta', true],
      [controlProvider, adUsers, adLogins, scope === 'org' ? 'active_directory' : 'outside', false],
    ] as const) {
      for (let start = 0; start < count; start += IMPORT_BATCH) {
        const logins = Array.from(
          { length: Math.min(IMPORT_BATCH, count - start) },
          (_, i) => `${prefix}-${start + i}-${run}@bench.example`,
        );
        into.push(...logins);
        batches.push({ provider, logins, member });
      }
    }
    const lastChanged = new Date(Date.now() - 86_400_000).toISOString();
    await inParallel(batches, 4, async ({ provider, logins, member }) => {
      const answer = await admin('POST', '/api/v1/users/import?activate=true', {
        users: logins.map((login) => ({
          profile: { login },
          credentials: {
            password: { hash: { algorithm: 'ARGON2', value: hash }, lastChanged },
            provider: { type: provider },
          },
          ...(group && member ? { groupIds: [group] } : {}),
        })),
      });
      if (answer.status !== 200)
        throw new Error(`import failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    });
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const pick = (logins: string[], n: number) =>
      Array.from({ length: n }, (_, i) => logins[Math.floor((i * logins.length) / n)]).concat(
        logins.slice(-2),
      );
    const oktaSample = [...new Set(pick(oktaLogins, samples))];
    const adSample = [...new Set(pick(adLogins, Math.max(2, Math.floor(samples / 5))))];
    const session = (login: string) =>
      json(`${identityUrl}/api/v1/sessions`, 'POST', { username: login, password });

    // Identity must hold every sampled user (its projection caught up with the seeding) before timing.
    const catchUpStarted = performance.now();
    await inParallel([...oktaSample, ...adSample], 8, async (login) => {
      const deadline = Date.now() + 15 * 60_000;
      while ((await session(login)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`identity never signed ${login} in`);
        await sleep(200);
      }
    });
    const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
    await hooks.beforeExpiry?.({ adLogins, password });
    await sleep(2000);

    // `--scope ids`: the seeded OKTA users' ids, read before the clock starts.
    const userIds =
      scope === 'ids' ? await seededIds(directoryDatabase, `okta-%-${run}@bench.example`) : null;
    // Any database of the server sees every backend in pg_stat_activity.
    postgres = createPool(await infra.database('bench_cpu'), 1);
    const cpuAtStart = await cpuByProcess(services, postgres);
    const rssBeforeExpiry = rssSampler.peaks();
    rssSampler.reset();
    await hooks.expiring?.();
    const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
      providers: ['OKTA'],
      ...(group ? { groupIds: [group] } : {}),
      ...(userIds ? { userIds } : {}),
      reason: 'benchmark',
    });
    const accepted = performance.now();
    if (started.status !== 202)
      throw new Error(`bulk expiry refused: ${started.status} ${JSON.stringify(started.body)}`);
    const progress = sampleJobProgress(() =>
      admin('GET', `/api/v1/jobs/${(started.body as { id: string }).id}`),
    );
    const refusedAfter: number[] = [];
    const probeAnswers: Record<string, number> = {};
    await Promise.all(
      oktaSample.map(async (login) => {
        for (;;) {
          const answer = await session(login);
          probeAnswers[answer.status] = (probeAnswers[answer.status] ?? 0) + 1;
          if (answer.status === 401 && answer.body.errorCode === 'E0000064') break;
          if (performance.now() - accepted > 120_000)
            throw new Error(`bulk expiry never enforced for ${login}`);
        }
        refusedAfter.push(performance.now() - accepted);
      }),
    );
    const enforcementMs = Math.max(...refusedAfter);

    const jobId = (started.body as { id: string }).id;
    let job: Record<string, unknown>;
    for (;;) {
      job = (await admin('GET', `/api/v1/jobs/${jobId}`)).body;
      if (job.status === 'COMPLETED') break;
      await sleep(200);
    }
    const fanoutProgress = await progress;
    const cpuSecondsDuringFanout = cpuSpent(cpuAtStart, await cpuByProcess(services, postgres));
    const fanoutSeconds = (Date.parse(job.completed as string) - Date.parse(job.created as string)) / 1000;
    // Delivered: identity's projection holds every user's own PasswordExpired (its stored status becomes
    // PASSWORD_EXPIRED only from that event; the bulk cutoff alone changes no row).
    const identityDb = createPool(identityDatabase, 1);
    try {
      for (;;) {
        const { rows } = await identityDb.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM identity_credentials WHERE status = 'PASSWORD_EXPIRED'`,
        );
        if (rows[0].n >= (job.expired as number)) break;
        if (performance.now() - accepted > 15 * 60_000)
          throw new Error('per-user expiries never reached identity');
        await sleep(100);
      }
    } finally {
      await identityDb.end();
    }
    const deliveredSeconds = (performance.now() - accepted) / 1000;
    await hooks.afterExpiry?.();
    const fanoutPhasesMs = await phasesOf(directoryDatabase, job);
    const adExpired = await admin(
      'GET',
      `/api/v1/users?limit=200&search=${encodeURIComponent(
        scope !== 'org'
          ? 'profile.login sw "outside-" and status eq "PASSWORD_EXPIRED"'
          : 'credentials.provider.type eq "ACTIVE_DIRECTORY" and status eq "PASSWORD_EXPIRED"',
      )}`,
    );
    const adStillSignIn = (
      await Promise.all(adSample.map(async (login) => (await session(login)).status === 200))
    ).every(Boolean);

    const rssDuringExpiry = rssSampler.peaks();
    rssSampler.stop();
    const rss: Record<string, number> = {};
    for (const service of services) rss[service.name] = await peakRssMb(service.process);
    return {
      users,
      adUsers,
      scope,
      // Group scope: the users left alone (adUsers*) are OKTA users outside the group.
      ...(group ? { groupId: group, total: job.total } : {}),
      ...(userIds ? { scopedUsers: job.scopedUsers, total: job.total } : {}),
      transport,
      serviceHeapMb: heapMb > 0 ? heapMb : 'node default',
      enforcementMs: round(enforcementMs),
      enforcementSamples: refusedAfter.length,
      enforcementProbeAnswers: probeAnswers,
      enforcementFirstMs: round(Math.min(...refusedAfter)),
      enforcementMedianMs: round(
        [...refusedAfter].sort((a, b) => a - b)[Math.floor(refusedAfter.length / 2)],
      ),
      fanoutUsersPerSec: Math.round((job.expired as number) / fanoutSeconds),
      fanoutSeconds: round(fanoutSeconds),
      fanoutPhasesMs,
      deliveredUsersPerSec: Math.round((job.expired as number) / deliveredSeconds),
      deliveredSeconds: round(deliveredSeconds),
      // [seconds since the 202, users the job had expired], every 250 ms: the report plots it.
      fanoutProgress,
      expired: job.expired,
      skipped: job.skipped,
      adUsersAffected: (adExpired.body as unknown as unknown[]).length,
      adSampleStillSignsIn: adStillSignIn,
      peakRssMb: Math.max(...Object.values(rss)),
      peakRssMbByService: rss,
      // Sampled every 250 ms (VmRSS): where the peak happens (seeding + catch-up, or the expiry itself).
      sampledPeakRssMbByPhase: { seeding: rssBeforeExpiry, expiry: rssDuringExpiry },
      cpuSecondsDuringFanout,
      seedSeconds: round(seedSeconds),
      identityCatchUpSeconds: round(catchUpSeconds),
      // Issue #20's: per microservice over Kafka, the all-in-one process embedded.
      targets: {
        enforcementMs: 500,
        fanoutUsersPerSec: transport === 'kafka' ? 35_000 : 50_000,
        peakRssMb: transport === 'kafka' ? 150 : 250,
        adUsersAffected: 0,
      },
    };
  } finally {
    await postgres?.end();
    for (const service of services.reverse()) await service.stop();
    await infra.close();
  }
}

/** The ids of the users whose login matches `pattern` (LIKE), from directory's database. */
async function seededIds(database: string, pattern: string): Promise<string[]> {
  const db = createPool(database, 1);
  try {
    const { rows } = await db.query<{ id: string }>(
      'SELECT id FROM directory_users WHERE login_normalized LIKE $1 ORDER BY id',
      [pattern],
    );
    return rows.map((row) => row.id);
  } finally {
    await db.end();
  }
}

/**
 * The job's `expired` count every 250 ms from the 202 until it completes, as [seconds, expired] pairs (the
 * fan-out's progress over time); a failed poll is skipped, and it gives up after 15 minutes.
 */
async function sampleJobProgress(
  poll: () => Promise<{ status: number; body: Record<string, unknown> }>,
): Promise<Array<[number, number]>> {
  const from = performance.now();
  const points: Array<[number, number]> = [[0, 0]];
  while (performance.now() - from < 15 * 60_000) {
    const answer = await poll().catch(() => null);
    if (answer?.status === 200) {
      points.push([round((performance.now() - from) / 1000), Number(answer.body.expired ?? 0)]);
      if (answer.body.status === 'COMPLETED') break;
    }
    await sleep(250);
  }
  return points;
}

/**
 * Where the fan-out's time went (server clock; an event's recorded_at is its transaction's start):
 * `beforeFirstBatch` from the job's creation (the request) until the first batch began (target count, the
 * fact's append, its publication); `batches` from then until the last batch began; `lastBatchAndCompletion`
 * until the job was completed.
 */
async function phasesOf(database: string, job: Record<string, unknown>) {
  const db = createPool(database, 1);
  try {
    const { rows } = await db.query<{ first: Date; last: Date }>(
      `SELECT min(recorded_at) AS first, max(recorded_at) AS last FROM lapse_events
        WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`,
      [job.id],
    );
    const created = Date.parse(job.created as string);
    const completed = Date.parse(job.completed as string);
    const first = rows[0].first.getTime();
    const last = rows[0].last.getTime();
    return {
      beforeFirstBatch: first - created,
      batches: last - first,
      lastBatchAndCompletion: completed - last,
    };
  } finally {
    await db.end();
  }
}

interface Service {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a service from `dist/` as its own process and waits until it answers /health/ready. */
async function startService(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeFlags: readonly string[],
  cpuProfileDir?: string,
): Promise<Service> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // `--cpu-prof DIR` (diagnostic): each service writes a V8 CPU profile into DIR when it stops.
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...profile, join(__dirname, '../../..', script)], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      PUBLIC_URL: url,
      DATA_DIR: `/tmp/lapse-bench-${name}-${port}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start: ${stderr}`);
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} not ready: ${stderr}`);
    await sleep(250);
  }
  return {
    name,
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Samples each service's resident set size (VmRSS) every 250 ms, keeping the peak per service. */
function sampleRss(services: readonly Service[]) {
  let peak: Record<string, number> = {};
  const timer = setInterval(async () => {
    for (const service of services) {
      const status = await readFile(`/proc/${service.process.pid}/status`, 'utf8').catch(() => '');
      const mb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
      peak[service.name] = Math.max(peak[service.name] ?? 0, round(mb, 1));
    }
  }, 250);
  return {
    peaks: () => ({ ...peak }),
    reset: () => {
      peak = {};
    },
    stop: () => clearInterval(timer),
  };
}

/** CPU seconds so far of each service process and each PostgreSQL backend alive now, by process id. */
async function cpuByProcess(
  services: readonly Service[],
  postgres: Pool,
): Promise<Map<number, { name: string; seconds: number }>> {
  const cpu = new Map<number, { name: string; seconds: number }>();
  for (const service of services) {
    const pid = service.process.pid as number;
    cpu.set(pid, { name: service.name, seconds: await processCpuSeconds(pid) });
  }
  for (const pid of await kafkaBrokerPids())
    cpu.set(pid, { name: 'kafka-broker', seconds: await processCpuSeconds(pid) });
  const { rows } = await postgres.query<{ pid: number; datname: string }>(
    'SELECT pid, datname FROM pg_stat_activity WHERE datname IS NOT NULL AND pid <> pg_backend_pid()',
  );
  for (const row of rows)
    cpu.set(row.pid, { name: `postgres:${row.datname}`, seconds: await processCpuSeconds(row.pid) });
  return cpu;
}

/** What each process (backends summed by database) spent between two readings; a new backend counts whole. */
function cpuSpent(
  start: Map<number, { seconds: number }>,
  end: Map<number, { name: string; seconds: number }>,
): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [pid, { name, seconds }] of end) {
    spent[name] = (spent[name] ?? 0) + seconds - (start.get(pid)?.seconds ?? 0);
  }
  return Object.fromEntries(Object.entries(spent).map(([name, seconds]) => [name, round(seconds)]));
}

/** Peak resident set size of a process over its life (Linux VmHWM). */
async function peakRssMb(child: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return round(kb / 1024, 1);
}

async function json(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** Users per import request: the 64 kB body limit holds about 200 imported users. */
const IMPORT_BATCH = 180;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Number(value.toFixed(digits));
