import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayConfig } from './gateway';
import { repoRoot } from './repo-root';

describe('the local gateway config made from deploy/nginx.conf', () => {
  const template = readFileSync(join(repoRoot(), 'deploy/nginx.conf'), 'utf8');
  const options = {
    host: '127.0.0.1',
    port: 18080,
    prefix: '/tmp/lapse-gateway',
    upstreams: { directory: '127.0.0.1:1001', identity: '127.0.0.1:1002', notifier: '127.0.0.1:1003' },
  };
  const config = gatewayConfig(template, options);

  it('sends each service its own upstream, on the local port given', () => {
    expect(config).toMatch(
      /upstream directory\s*\{ server 127\.0\.0\.1:1001; keepalive \d+; keepalive_timeout 4s; \}/,
    );
    expect(config).toMatch(
      /upstream identity\s*\{ server 127\.0\.0\.1:1002; keepalive \d+; keepalive_timeout 4s; \}/,
    );
    expect(config).toMatch(
      /upstream notifier\s*\{ server 127\.0\.0\.1:1003; keepalive \d+; keepalive_timeout 4s; \}/,
    );
    expect(config).not.toMatch(/server (directory|identity|notifier):/);
  });

  it('listens where it is told and writes nothing under /var', () => {
    expect(config).toContain('listen 127.0.0.1:18080;');
    expect(config).not.toContain('listen 8080;');
    expect(config).not.toContain('/var/');
    expect(config).toContain('access_log /tmp/lapse-gateway/access.log lapse;');
    for (const kind of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      expect(config).toContain(`${kind}_temp_path /tmp/lapse-gateway/temp/${kind};`);
    expect(config).toContain('proxy_max_temp_file_size 0;');
  });

  it('changes nothing else: routes, limits and error pages are the ones compose runs', () => {
    const routing = (text: string) =>
      text
        .split('\n')
        .filter((line) => /location|proxy_|error_page|client_|return/.test(line) && !line.includes('_temp_'));
    expect(routing(config)).toEqual(routing(template));
  });

  it('refuses a file whose upstreams it cannot find, rather than routing elsewhere', () => {
    expect(() => gatewayConfig(template.replace('server identity:8082;', 'server id:1;'), options)).toThrow(
      /upstream server of identity/,
    );
  });
});
