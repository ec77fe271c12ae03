import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

/** The services behind the gateway, as `deploy/nginx.conf` names their upstreams. */
export const GATEWAY_SERVICES = ['directory', 'identity', 'notifier'] as const;
export type GatewayService = (typeof GATEWAY_SERVICES)[number];

/** Debian's nginx (or `NGINX_PATH`). */
export function nginxPath(): string {
  return process.env.NGINX_PATH ?? '/usr/sbin/nginx';
}

export function nginxInstalled(): boolean {
  return existsSync(nginxPath());
}

export interface GatewayOptions {
  /** Where the gateway listens (the config's `listen 8080;` becomes `listen host:port;`). */
  readonly host: string;
  readonly port: number;
  /** `host:port` of each service, in place of compose's `directory:8081`, `identity:8082`, `notifier:8083`. */
  readonly upstreams: Readonly<Record<GatewayService, string>>;
  /** nginx's prefix: the generated config, its pid file, logs and temporary files live here. */
  readonly prefix: string;
}

/**
 * `deploy/nginx.conf` (the file compose mounts, unchanged) for a local gateway run by the current user:
 * upstream servers on local ports, the listener on `host:port`, the access log and nginx's temporary
 * folders under `prefix` instead of root-owned `/var` paths. Every substitution must find its line, so a
 * change to the file that this no longer understands fails here instead of producing a gateway that
 * routes elsewhere.
 */
export function gatewayConfig(template: string, options: GatewayOptions): string {
  let config = template;
  const substitute = (pattern: RegExp, replacement: string, what: string) => {
    if (!pattern.test(config)) throw new Error(`deploy/nginx.conf: ${what} not found (${pattern})`);
    config = config.replace(pattern, replacement);
  };
  for (const service of GATEWAY_SERVICES) {
    substitute(
      new RegExp(`server ${service}:\\d+;`),
      `server ${options.upstreams[service]};`,
      `the upstream server of ${service}`,
    );
  }
  substitute(/listen 8080;/, `listen ${options.host}:${options.port};`, 'the listener');
  substitute(/\/var\/log\/nginx\/access\.log/g, join(options.prefix, 'access.log'), 'the access log');
  // Started as root, nginx runs its workers as another user, who may not reach `prefix` (a private
  // temporary folder, say): bodies stay in memory (deploy/nginx.conf's client_body_buffer_size) and large
  // answers are relayed as they come rather than spooled to a file.
  const temporary = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(options.prefix, 'temp', kind)};`)
    .concat('  proxy_max_temp_file_size 0;')
    .join('\n');
  substitute(/^http \{$/m, `http {\n${temporary}`, 'the http block');
  return config;
}

/** Writes the generated config to `prefix/nginx.conf` and returns its path. */
export async function writeGatewayConfig(options: GatewayOptions): Promise<string> {
  const template = await readFile(join(repoRoot(), 'deploy/nginx.conf'), 'utf8');
  await mkdir(join(options.prefix, 'temp'), { recursive: true });
  const file = join(options.prefix, 'nginx.conf');
  await writeFile(file, gatewayConfig(template, options));
  return file;
}

/**
 * nginx's command line for a config under `prefix`: in the foreground (the caller owns the process), its
 * pid file and error log there too (`-e` covers what nginx logs before it has read the config).
 */
export function nginxArguments(prefix: string, extra: readonly string[] = []): string[] {
  return [
    ...extra,
    '-p',
    prefix,
    '-c',
    join(prefix, 'nginx.conf'),
    '-e',
    join(prefix, 'error.log'),
    '-g',
    `daemon off; pid ${join(prefix, 'nginx.pid')};`,
  ];
}

export interface RunningGateway {
  readonly url: string;
  readonly process: ChildProcess;
  /** What nginx wrote to its error log so far. */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A local gateway as a child process, for tests and benchmarks: validated (`nginx -t`), started, and
 * resolved once it accepts connections. It is killed when this process exits, however it exits.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  await writeGatewayConfig(options);
  const check = spawn(nginxPath(), nginxArguments(options.prefix, ['-t', '-q']), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let refusal = '';
  check.stderr?.on('data', (chunk: Buffer) => {
    refusal += chunk.toString();
  });
  const checked = await new Promise<number | null>((done) => check.once('close', done));
  if (checked !== 0) throw new Error(`nginx -t refused the generated config:\n${refusal}`);
  const errors = () => readFile(join(options.prefix, 'error.log'), 'utf8').catch(() => '');
  const child = spawn(nginxPath(), nginxArguments(options.prefix), { stdio: 'ignore' });
  const killWithUs = () => child.kill('SIGKILL');
  process.once('exit', killWithUs);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      process.removeListener('exit', killWithUs);
      done();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(options.host, options.port))) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start:\n${await errors()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${options.host}:${options.port}:\n${await errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://${options.host}:${options.port}`,
    process: child,
    errors,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // SIGQUIT: graceful shutdown (SIGTERM is nginx's fast one); SIGKILL if it lingers.
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
