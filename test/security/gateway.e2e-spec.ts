import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@lapse/shared/database/free-port';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { repoRoot } from '../support/built-entry-point';

const nginx = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const available = existsSync(nginx);
if (!available && process.env.CI === 'true') {
  throw new Error(`nginx is required with CI=true (${nginx} not found; .ci/run installs Debian's nginx)`);
}
if (!available) {
  console.warn('gateway: suite skipped — nginx is not installed (apt-get install nginx, or set NGINX_PATH)');
}
const describeWithNginx = available ? describe : describe.skip;

/**
 * deploy/nginx.conf with its upstreams on one local server, its listener on `port` and its access log
 * (in the image, a link to the container's output) in `dir`.
 */
async function localGatewayConfig(dir: string, port: number, upstreamPort: number): Promise<string> {
  const config = (await readFile(join(repoRoot, 'deploy/nginx.conf'), 'utf8'))
    .replace(/server (directory|identity|notifier):\d+;/g, `server 127.0.0.1:${upstreamPort};`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
    .replaceAll('/var/log/nginx/access.log', join(dir, 'access.log'));
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config);
  return file;
}

describeWithNginx('the gateway (deploy/nginx.conf, Debian nginx)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lapse-nginx-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is a valid configuration (nginx -t)', async () => {
    const file = await localGatewayConfig(dir, await freePort(), await freePort());
    const { stderr } = await promisify(execFile)(nginx, [
      '-t',
      '-p',
      dir,
      '-c',
      file,
      '-e',
      'stderr',
      '-g',
      `pid ${dir}/nginx.pid;`,
    ]);
    expect(stderr).toContain('test is successful');
  });

  describe('when running', () => {
    let upstream: Server;
    let gateway: ChildProcess;
    const accessLog = () => readFile(join(dir, 'access.log'), 'utf8').catch(() => '');
    let url = '';

    beforeAll(async () => {
      const upstreamPort = await freePort();
      upstream = createServer((_request, response) => response.writeHead(204).end());
      await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
      const port = await freePort();
      const file = await localGatewayConfig(dir, port, upstreamPort);
      gateway = spawn(
        nginx,
        ['-p', dir, '-c', file, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid;`],
        { stdio: 'ignore' },
      );
      url = `http://127.0.0.1:${port}`;
      await waitFor(
        'nginx to listen',
        () =>
          fetch(`${url}/health/ready`).then(
            () => true,
            () => false,
          ),
        10_000,
      );
    });
    afterAll(async () => {
      if (gateway && gateway.exitCode === null) {
        const exited = new Promise((resolve) => gateway.once('exit', resolve));
        gateway.kill('SIGQUIT');
        await exited;
      }
      await new Promise((resolve) => upstream?.close(resolve));
    });

    it('logs no path that carries a secret, only its route, and still logs the other paths whole', async () => {
      const secret = 'Sec-Ret-Token-0123456789abcdefghijklmnop';
      const secretPaths = [
        `/api/v1/sessions/${secret}`,
        `/api/v1/sessions/${secret}/lifecycle/refresh`,
        `/reset_password/${secret}`,
        `/notifier/reveal/${secret}`,
        `/api/v1/notifier/reveal/${secret}`,
      ];
      for (const path of secretPaths) expect((await fetch(`${url}${path}`)).status).toBe(204);
      expect(
        (
          await fetch(`${url}/api/v1/users/00u-plain-path`, {
            headers: { referer: `${url}/reset_password/${secret}` },
          })
        ).status,
      ).toBe(204);

      await waitFor(
        'the access log to show six requests',
        async () => (await accessLog()).trim().split('\n').length >= 6,
        10_000,
      );
      const log = await accessLog();
      expect(log).not.toContain(secret);
      for (const route of [
        '/api/v1/sessions/{id}',
        '/reset_password/{token}',
        '/notifier/{path with a reveal token}',
        '/api/v1/notifier/reveal/{token}',
      ]) {
        expect(log).toContain(`"GET ${route}" 204`);
      }
      expect(log).toContain('"GET /api/v1/users/00u-plain-path HTTP/1.1" 204');
    });
  });
});
