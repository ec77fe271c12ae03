import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@lapse/shared/database/free-port';
import { waitFor } from '@lapse/shared/testing/wait-for';
import {
  type GatewayOptions,
  nginxArguments,
  nginxInstalled,
  nginxPath,
  type RunningGateway,
  startGateway,
  writeGatewayConfig,
} from '../../libs/stack/src/gateway';
import { expectOktaError, requestFrom } from '../support/gateway-client';

const nginx = nginxPath();
const available = nginxInstalled();
if (!available && process.env.CI === 'true') {
  throw new Error(`nginx is required with CI=true (${nginx} not found; .ci/run installs Debian's nginx)`);
}
if (!available) {
  console.warn('gateway: suite skipped — nginx is not installed (apt-get install nginx, or set NGINX_PATH)');
}
const describeWithNginx = available ? describe : describe.skip;

/**
 * deploy/nginx.conf as `npm run stack` and the microservices suite run it (libs/stack/src/gateway.ts): its
 * upstreams all on one local server, its listener on `port`, its access log and temporary files in `dir`.
 */
function localGateway(dir: string, port: number, upstreamPort: number): GatewayOptions {
  const upstream = `127.0.0.1:${upstreamPort}`;
  return {
    host: '127.0.0.1',
    port,
    prefix: dir,
    upstreams: { directory: upstream, identity: upstream, notifier: upstream },
  };
}

describeWithNginx('the gateway (deploy/nginx.conf, Debian nginx)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lapse-nginx-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is a valid configuration (nginx -t)', async () => {
    await writeGatewayConfig(localGateway(dir, await freePort(), await freePort()));
    const { stderr } = await promisify(execFile)(nginx, nginxArguments(dir, ['-t']));
    expect(stderr).toContain('test is successful');
  });

  describe('when running', () => {
    let upstream: Server;
    let gateway: RunningGateway;
    /** What reached the upstream: each request's path and headers. */
    const received: { url: string; headers: IncomingHttpHeaders }[] = [];
    const accessLog = () => readFile(join(dir, 'access.log'), 'utf8').catch(() => '');
    let url = '';

    beforeAll(async () => {
      const upstreamPort = await freePort();
      upstream = createServer((request, response) => {
        received.push({ url: request.url as string, headers: request.headers });
        response.writeHead(204).end();
      });
      await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
      gateway = await startGateway(localGateway(dir, await freePort(), upstreamPort));
      url = gateway.url;
    });
    afterAll(async () => {
      await gateway?.stop();
      if (upstream?.listening) await new Promise((resolve) => upstream.close(resolve));
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

    it('answers the paths it does not route in the envelope, 404, and passes none of them on', async () => {
      const before = received.length;
      for (const path of [
        '/metrics',
        '/internal/v1/users/00u1/credential-state',
        '/internal/v1/sessions/verify',
        '/health/live',
        '/',
        '/api/v1/users/..%2F..%2F..%2Finternal/v1/users',
      ]) {
        await expectOktaError(await fetch(`${url}${path}`), 404, 'E0000007');
      }
      await expectOktaError(
        await fetch(`${url}/internal/v1/sessions/verify`, { method: 'POST', body: '{}' }),
        404,
        'E0000007',
      );
      expect(received.slice(before).map((request) => request.url)).toEqual([]);
    });

    it("passes the OpenAPI documents to the service that owns them, as that service's /openapi.json", async () => {
      const before = received.length;
      for (const path of [
        '/openapi.json',
        '/openapi/directory.json',
        '/openapi/identity.json',
        '/openapi/notifier.json',
      ]) {
        expect((await fetch(`${url}${path}`)).status).toBe(204);
      }
      expect(received.slice(before).map((request) => request.url)).toEqual(Array(4).fill('/openapi.json'));
      await expectOktaError(await fetch(`${url}/openapi/internal.json`), 404, 'E0000007');
    });

    it('refuses a body over 64 KB with 413 in the envelope, before it reaches a service', async () => {
      const before = received.length;
      const body = JSON.stringify({ profile: { login: 'big@example.com', note: 'x'.repeat(65 * 1024) } });
      const refused = await fetch(`${url}/api/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await expectOktaError(refused, 413, 'LAPSE0002');
      expect(received.length).toBe(before);
      const fits = JSON.stringify({ profile: { login: 'fits@example.com', note: 'x'.repeat(60 * 1024) } });
      expect(
        (
          await fetch(`${url}/api/v1/users`, {
            method: 'POST',
            body: fits,
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(204);
    });

    it("passes a bulk expiry's list of up to 100,000 user ids (up to 5 MB) and refuses more", async () => {
      const before = received.length;
      const ids = (count: number) =>
        JSON.stringify({
          userIds: Array.from({ length: count }, () => '00000000-0000-4000-8000-000000000000'),
        });
      const post = (body: string) =>
        fetch(`${url}/api/v1/users/lifecycle/expire_passwords`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      expect((await post(ids(100_000))).status).toBe(204);
      expect(received.slice(before).map((request) => request.url)).toEqual([
        '/api/v1/users/lifecycle/expire_passwords',
      ]);
      await expectOktaError(await post(ids(140_000)), 413, 'LAPSE0002');
      expect(received.length).toBe(before + 1);
    });

    it('passes an import of up to 1,000 users (a body up to 6 MB) and refuses more', async () => {
      const before = received.length;
      const post = (bytes: number) =>
        fetch(`${url}/api/v1/users/import`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ users: [], padding: 'x'.repeat(bytes) }),
        });
      expect((await post(5 * 1024 * 1024)).status).toBe(204);
      expect(received.slice(before).map((request) => request.url)).toEqual(['/api/v1/users/import']);
      await expectOktaError(await post(7 * 1024 * 1024), 413, 'LAPSE0002');
      expect(received.length).toBe(before + 1);
    });

    it("names the client by the address it connected from, replacing the client's own X-Forwarded-For", async () => {
      const answer = await requestFrom('127.0.0.2', `${url}/api/v1/authn`, {
        method: 'POST',
        headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.4' },
        body: '{}',
      });
      expect(answer.status).toBe(204);
      const forwarded = received.at(-1)?.headers;
      expect(forwarded?.['x-forwarded-for']).toBe('127.0.0.2');
    });

    it("stamps when it passed the request on, replacing the client's own X-Request-Start", async () => {
      const before = Date.now();
      const answer = await fetch(`${url}/api/v1/authn`, {
        method: 'POST',
        headers: { 'x-request-start': 't=1' },
        body: '{}',
      });
      expect(answer.status).toBe(204);
      const stamp = /^t=(\d+\.\d{3})$/.exec(String(received.at(-1)?.headers['x-request-start']));
      expect(stamp).not.toBeNull();
      // nginx's $msec: seconds with milliseconds, of this request (its clock is this machine's).
      expect(Number(stamp?.[1]) * 1000).toBeGreaterThanOrEqual(before - 1000);
      expect(Number(stamp?.[1]) * 1000).toBeLessThanOrEqual(Date.now() + 1000);
    });

    describe('when the service behind a route is down', () => {
      beforeAll(async () => {
        await new Promise((resolve) => upstream.close(resolve));
      });

      it("answers 503 E0000050 in Okta's envelope, not nginx's HTML page", async () => {
        for (const path of ['/api/v1/authn', '/api/v1/users', '/notifier/reveal/abc'])
          await expectOktaError(
            await fetch(`${url}${path}`, { method: 'POST', body: '{}' }),
            503,
            'E0000050',
          );
        expect(await gateway.errors()).toContain('Connection refused');
      });
    });
  });
});
