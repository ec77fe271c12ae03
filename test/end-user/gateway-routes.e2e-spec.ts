import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import {
  GATEWAY_SERVICES,
  type GatewayService,
  nginxInstalled,
  nginxPath,
  type RunningGateway,
  startGateway,
} from '../../libs/stack/src/gateway';

const available = nginxInstalled();
if (!available && process.env.CI === 'true') {
  throw new Error(
    `nginx is required with CI=true (${nginxPath()} not found; .ci/run installs Debian's nginx)`,
  );
}
if (!available) {
  console.warn(
    'gateway routes: suite skipped — nginx is not installed (apt-get install nginx, or set NGINX_PATH)',
  );
}
const describeWithNginx = available ? describe : describe.skip;

/**
 * deploy/nginx.conf sends the end user's pages and the `me` change to identity, with each service behind
 * its own upstream that answers with its name: `/api/v1/users/me/credentials/change_password` must reach
 * identity although `/api/v1/` goes to directory.
 */
describeWithNginx('the gateway routes for the end user’s pages and APIs', () => {
  let dir: string;
  let gateway: RunningGateway;
  const upstreams: Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lapse-nginx-end-user-'));
    const ports = {} as Record<GatewayService, string>;
    for (const service of GATEWAY_SERVICES) {
      const port = await freePort();
      const server = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(service);
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      upstreams.push(server);
      ports[service] = `127.0.0.1:${port}`;
    }
    gateway = await startGateway({
      host: '127.0.0.1',
      port: await freePort(),
      prefix: dir,
      upstreams: ports,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    for (const server of upstreams) await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const serviceFor = async (method: string, path: string) => {
    const response = await fetch(`${gateway.url}${path}`, { method, redirect: 'manual' });
    return response.status === 200 ? await response.text() : `${response.status}`;
  };

  it('sends the hosted pages, forgot password and the signed-in change to identity, and user ids to directory', async () => {
    expect({
      signIn: await serviceFor('GET', '/signin?fromURI=%2F'),
      signInPost: await serviceFor('POST', '/signin'),
      forgot: await serviceFor('GET', '/signin/forgot-password'),
      done: await serviceFor('GET', '/signin/done'),
      recovery: await serviceFor('POST', '/api/v1/authn/recovery/password'),
      me: await serviceFor('POST', '/api/v1/users/me/credentials/change_password'),
      byId: await serviceFor('POST', '/api/v1/users/00u1/credentials/change_password'),
      lookalike: await serviceFor('GET', '/signinx'),
    }).toEqual({
      signIn: 'identity',
      signInPost: 'identity',
      forgot: 'identity',
      done: 'identity',
      recovery: 'identity',
      me: 'identity',
      byId: 'directory',
      lookalike: '404',
    });
  });
});
