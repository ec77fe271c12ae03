import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readOrCreateSecretFile } from '@lapse/shared/database/secret-file';
import { freePortOutsideEphemeral } from '@lapse/shared/database/free-port';
import { nginxArguments, nginxInstalled, nginxPath, portOpen, writeGatewayConfig } from './gateway';
import { repoRoot } from './repo-root';
import { serviceCommand } from './service-command';

/**
 * `npm run stack -- up|down|status`: the microservices topology on this machine without Docker — a Kafka
 * broker (scripts/kafka/kafka.sh), a development mail relay, directory, identity and notifier as separate
 * processes (each with its embedded PostgreSQL in `.stack/data/<service>`), and Debian's nginx with
 * `deploy/nginx.conf` in front of them. Clients use only the gateway's port (`STACK_PORT`, 8080).
 *
 * Everything lives under `.stack/` (`STACK_DIR`): `state.json` (what runs, its pid and port), the
 * generated tokens (0600), the services' data, the broker's data, nginx's prefix and one log per process.
 * The processes run detached from this command; `down` stops them (SIGTERM, SIGKILL after 15 s).
 *
 * Options are parsed with Node's own `util.parseArgs`: three subcommands and no flags do not need a
 * dependency.
 */

const SERVICES = ['notifier', 'directory', 'identity'] as const;

interface StackProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Readiness: an HTTP URL answering 200, or a port accepting connections. */
  readonly ready: { readonly http: string } | { readonly tcp: number };
  /** A string of the process's command line (/proc/<pid>/cmdline), so a reused pid is never signalled. */
  readonly commandIncludes: string;
  readonly log: string;
}

interface StackState {
  readonly startedAt: string;
  readonly gatewayUrl: string;
  readonly kafkaPort: number;
  readonly processes: StackProcess[];
}

const root = repoRoot();
const stackDir = resolve(root, process.env.STACK_DIR ?? '.stack');
const stateFile = join(stackDir, 'state.json');
const dataDir = join(stackDir, 'data');
const logDir = join(stackDir, 'logs');
const kafkaDataDir = join(stackDir, 'kafka');
const nginxPrefix = join(stackDir, 'nginx');
const kafkaScript = join(root, 'scripts/kafka/kafka.sh');

function port(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65_535)
    throw new Error(`${name} must be a port number (1-65535), got ${process.env[name]}`);
  return value;
}

async function readState(): Promise<StackState | null> {
  return readFile(stateFile, 'utf8').then(
    (text) => JSON.parse(text) as StackState,
    () => null,
  );
}

async function alive(member: StackProcess): Promise<boolean> {
  try {
    process.kill(member.pid, 0);
  } catch {
    return false;
  }
  const cmdline = await readFile(`/proc/${member.pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.replaceAll('\0', ' ').includes(member.commandIncludes);
}

async function ready(member: StackProcess): Promise<boolean> {
  if ('tcp' in member.ready) return portOpen('127.0.0.1', member.ready.tcp);
  try {
    return (await fetch(member.ready.http, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

async function waitUntilReady(member: StackProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready(member))) {
    if (!(await alive(member)))
      throw new Error(`${member.name} exited at start; its log ends:\n${await tail(member.log)}`);
    if (Date.now() > deadline)
      throw new Error(
        `${member.name} not ready after ${timeoutMs / 1000} s; its log ends:\n${await tail(member.log)}`,
      );
    await sleep(250);
  }
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Starts a process detached from this command (own session, output to its log), returns its pid. */
function launch(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): number {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid === undefined) throw new Error(`${name} could not be started (${command})`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function saveState(state: StackState): Promise<void> {
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

async function kafka(
  command: 'start' | 'stop',
  kafkaPort: number,
): Promise<{ status: number; output: string }> {
  const child = spawn('bash', [kafkaScript, command], {
    cwd: root,
    env: { ...process.env, KAFKA_PORT: String(kafkaPort), KAFKA_DATA_DIR: kafkaDataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own session, so the broker it leaves running is not tied to this terminal.
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const status = await new Promise<number>((done) => child.once('close', (code) => done(code ?? 1)));
  return { status, output: output.trim() };
}

/** Debian's nginx: installed with apt-get when missing and running as root, else how to install it. */
function ensureNginx(): void {
  if (nginxInstalled()) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `nginx is not installed (${nginxPath()}): run "sudo apt-get install -y nginx" (or set NGINX_PATH), then npm run stack -- up`,
    );
  process.stdout.write("stack: nginx is missing; installing Debian's package (apt-get install -y nginx)\n");
  const install = () =>
    spawnSync('apt-get', ['install', '-y', 'nginx'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    if (install() !== 0 || !nginxInstalled()) throw new Error('apt-get install -y nginx failed');
  }
}

async function up(): Promise<number> {
  const previous = await readState();
  if (previous) {
    const running = await Promise.all(previous.processes.map(alive));
    if (running.every(Boolean)) {
      process.stdout.write(`stack: already up, gateway ${previous.gatewayUrl}\n`);
      return status();
    }
    if (running.some(Boolean)) {
      process.stderr.write('stack: partly up (see below); run npm run stack -- down, then up\n');
      await status();
      return 1;
    }
  }
  const gatewayPort = port('STACK_PORT', 8080);
  const kafkaPort = port('STACK_KAFKA_PORT', 9092);
  for (const [name, taken] of [
    ['STACK_PORT', gatewayPort],
    ['STACK_KAFKA_PORT', kafkaPort],
    ['STACK_KAFKA_PORT (+1, its controller)', kafkaPort + 1],
  ] as const) {
    if (await portOpen('127.0.0.1', taken))
      throw new Error(`port ${taken} is in use; set ${name.split(' ')[0]} to another port`);
  }
  ensureNginx();
  await mkdir(dataDir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  await mkdir(nginxPrefix, { recursive: true });
  const adminToken = (await readOrCreateSecretFile(join(stackDir, 'admin-api-token'))).secret;
  const serviceToken = (await readOrCreateSecretFile(join(stackDir, 'service-api-token'))).secret;
  const gatewayUrl = `http://localhost:${gatewayPort}`;
  const state: StackState = {
    startedAt: new Date().toISOString(),
    gatewayUrl,
    kafkaPort,
    processes: [],
  };
  const started = async (member: StackProcess) => {
    state.processes.push(member);
    await saveState(state);
  };

  try {
    process.stdout.write(`stack: starting the Kafka broker on 127.0.0.1:${kafkaPort}\n`);
    const broker = await kafka('start', kafkaPort);
    if (broker.status !== 0) throw new Error(`the Kafka broker did not start:\n${broker.output}`);
    await started({
      name: 'kafka',
      pid: Number((await readFile(join(kafkaDataDir, 'kafka.pid'), 'utf8')).trim()),
      port: kafkaPort,
      ready: { tcp: kafkaPort },
      commandIncludes: 'kafka.Kafka',
      log: join(kafkaDataDir, 'kafka.out'),
    });

    // Ports are chosen now and bound seconds later, after other processes have started: an ephemeral port
    // (what the kernel gives for port 0) may be taken meanwhile by any outgoing connection, so they come from
    // below that range, each distinct.
    const chosen = new Set<number>();
    const nextPort = async (): Promise<number> => {
      for (;;) {
        const port = await freePortOutsideEphemeral();
        if (!chosen.has(port) && ![gatewayPort, kafkaPort, kafkaPort + 1].includes(port)) {
          chosen.add(port);
          return port;
        }
      }
    };
    const smtpPort = await nextPort();
    const mailUiPort = await nextPort();
    const credentialFile = join(stackDir, 'mail-credential');
    await rm(credentialFile, { force: true });
    const mailEntry = join(root, 'dist/libs/stack/src/mail-relay.main.js');
    const mail: StackProcess = {
      name: 'mail',
      pid: launch('mail', process.execPath, [mailEntry], {
        ...process.env,
        MAIL_SMTP_PORT: String(smtpPort),
        MAIL_UI_PORT: String(mailUiPort),
        MAIL_CREDENTIAL_FILE: credentialFile,
      }),
      // Its page and JSON API: the port a person opens (the notifier alone uses SMTP).
      port: mailUiPort,
      ready: { tcp: mailUiPort },
      commandIncludes: mailEntry,
      log: join(logDir, 'mail.log'),
    };
    await started(mail);
    await waitUntilReady(mail, 30_000);

    const ports = {} as Record<(typeof SERVICES)[number], number>;
    for (const service of SERVICES) ports[service] = await nextPort();
    const direct = (service: (typeof SERVICES)[number]) => `http://127.0.0.1:${ports[service]}`;
    const { DATABASE_URL: _external, ...inherited } = process.env;
    const common = {
      ...inherited,
      HOST: '127.0.0.1',
      PUBLIC_URL: gatewayUrl,
      DATA_DIR: dataDir,
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      ADMIN_API_TOKEN: adminToken,
      SERVICE_API_TOKEN: serviceToken,
      // The gateway connects from 127.0.0.1 and names the client in X-Forwarded-For.
      TRUST_PROXY: '127.0.0.1',
    };
    const serviceEnv: Record<(typeof SERVICES)[number], NodeJS.ProcessEnv> = {
      notifier: {
        ...common,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        SMTP_REQUIRE_TLS: 'false',
      },
      directory: {
        ...common,
        NOTIFIER_JWKS_URL: `${direct('notifier')}/api/v1/notifier/jwks`,
        IDENTITY_URL: direct('identity'),
      },
      identity: { ...common, DIRECTORY_URL: direct('directory') },
    };
    const services: StackProcess[] = [];
    for (const service of SERVICES) {
      const env = { ...serviceEnv[service], PORT: String(ports[service]) };
      const command = serviceCommand(service, env);
      process.stdout.write(`stack: starting ${service} on ${direct(service)}\n`);
      const member: StackProcess = {
        name: service,
        pid: launch(service, process.execPath, [...command.nodeFlags, command.entry], env),
        port: ports[service],
        ready: { http: `${direct(service)}/health/ready` },
        commandIncludes: command.entry,
        log: join(logDir, `${service}.log`),
      };
      services.push(member);
      await started(member);
    }
    for (const service of services) await waitUntilReady(service, 180_000);

    await writeGatewayConfig({
      host: '127.0.0.1',
      port: gatewayPort,
      prefix: nginxPrefix,
      upstreams: {
        directory: `127.0.0.1:${ports.directory}`,
        identity: `127.0.0.1:${ports.identity}`,
        notifier: `127.0.0.1:${ports.notifier}`,
      },
    });
    const checked = spawnSync(nginxPath(), nginxArguments(nginxPrefix, ['-t', '-q']), { encoding: 'utf8' });
    if (checked.status !== 0)
      throw new Error(`nginx -t refused ${join(nginxPrefix, 'nginx.conf')}:\n${checked.stderr}`);
    process.stdout.write(`stack: starting the gateway (nginx) on 127.0.0.1:${gatewayPort}\n`);
    const gateway: StackProcess = {
      name: 'gateway',
      pid: launch('gateway', nginxPath(), nginxArguments(nginxPrefix), process.env),
      port: gatewayPort,
      ready: { http: `http://127.0.0.1:${gatewayPort}/health/ready` },
      commandIncludes: 'nginx',
      log: join(nginxPrefix, 'error.log'),
    };
    await started(gateway);
    await waitUntilReady(gateway, 15_000);

    const [user, password] = (await readFile(credentialFile, 'utf8')).trim().split(':');
    process.stdout.write(
      [
        '',
        `Lapse is up behind the gateway: ${gatewayUrl}`,
        `  admin API token (Authorization: SSWS …): ${join(stackDir, 'admin-api-token')}`,
        `  mail relay (captured email): http://127.0.0.1:${mailUiPort}  user ${user}  password ${password}`,
        `  logs: ${logDir}; npm run stack -- status | down`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`stack: up failed: ${(error as Error).message}\nstack: stopping what started\n`);
    await down();
    return 1;
  }
}

async function stopProcess(member: StackProcess): Promise<void> {
  if (member.name === 'kafka') {
    const stopped = await kafka('stop', member.port);
    if (stopped.status !== 0) throw new Error(`the Kafka broker did not stop:\n${stopped.output}`);
    return;
  }
  if (!(await alive(member))) return;
  process.kill(member.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (await alive(member)) {
    if (Date.now() > deadline) {
      process.stdout.write(`stack: ${member.name} ignored SIGTERM for 15 s; sending SIGKILL\n`);
      process.kill(member.pid, 'SIGKILL');
      await sleep(200);
      await stopOrphanedPostgres(member.name);
      return;
    }
    await sleep(100);
  }
}

/** A service killed with SIGKILL leaves its embedded PostgreSQL running: stop it (fast shutdown). */
async function stopOrphanedPostgres(service: string): Promise<void> {
  const pidFile = join(dataDir, service, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    // already gone
  }
}

async function down(): Promise<number> {
  const state = await readState();
  if (!state) {
    process.stdout.write('stack: not up (no state in .stack)\n');
    return 0;
  }
  for (const member of [...state.processes].reverse()) {
    await stopProcess(member);
    process.stdout.write(`stack: stopped ${member.name} (pid ${member.pid})\n`);
  }
  await rm(stateFile, { force: true });
  return 0;
}

async function status(): Promise<number> {
  const state = await readState();
  if (!state) {
    process.stdout.write('stack: not up\n');
    return 1;
  }
  const rows = await Promise.all(
    state.processes.map(async (member) => {
      const running = await alive(member);
      return {
        process: member.name,
        pid: member.pid,
        port: member.port,
        state: running ? ((await ready(member)) ? 'ready' : 'not ready') : 'stopped',
      };
    }),
  );
  process.stdout.write(`gateway ${state.gatewayUrl} (started ${state.startedAt})\n`);
  for (const row of rows)
    process.stdout.write(
      `${row.process.padEnd(10)} pid ${String(row.pid).padEnd(8)} port ${String(row.port).padEnd(6)} ${row.state}\n`,
    );
  return rows.every((row) => row.state === 'ready') ? 0 : 1;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function main(): Promise<number> {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const commands: Record<string, () => Promise<number>> = { up, down, status };
  const command = commands[positionals[0] ?? ''];
  if (!command || positionals.length > 1) {
    process.stderr.write('usage: npm run stack -- up|down|status\n');
    return 2;
  }
  return command();
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`stack: ${error.message}\n`);
    process.exit(1);
  },
);
