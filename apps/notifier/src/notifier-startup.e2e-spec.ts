import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { EnvReader, silentLogger } from '@lapse/shared';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { createAllInOne } from '../../all-in-one';
import type { CapturedEmail } from './mail-capture/maildev-capture-server';

async function freshEnv(extra: Record<string, string>): Promise<Record<string, string | undefined>> {
  const adminUrl = process.env.LAPSE_TEST_ADMIN_URL as string;
  const name = `notifier_start_${randomBytes(5).toString('hex')}`;
  await createDatabase(adminUrl, name);
  const port = await freePort();
  const { SMTP_URL: _ignored, ...inherited } = process.env;
  return {
    ...inherited,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString(),
    ADMIN_API_TOKEN: `00start${randomBytes(16).toString('hex')}`,
    SERVICE_API_TOKEN: randomBytes(24).toString('hex'),
    DATA_DIR: `/tmp/lapse-test-data/${name}`,
    ...extra,
  };
}

describe('starting the notifier in the all-in-one app', () => {
  it('starts an embedded maildev when no SMTP_URL is set, with its page and API on MAIL_UI_PORT behind a credential printed at start', async () => {
    const uiPort = await freePort();
    const lapse = await createAllInOne(
      new EnvReader(await freshEnv({ MAIL_UI_PORT: String(uiPort) })),
      silentLogger,
    );
    const mailUi = `http://127.0.0.1:${uiPort}`;
    try {
      const printed = lapse.lines.join('\n');
      expect(printed).toContain(`Mail (maildev): ${mailUi}`);
      const [, user, password] = /Mail login: +user (\S+), password (\S+)/.exec(printed) ?? [];
      expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

      // The app does not wait for the capture server; it comes up beside it.
      const page = await eventually(async () => {
        const response = await fetch(`${mailUi}/`, { headers: { authorization } });
        if (response.status !== 200) throw new Error(`maildev answered ${response.status}`);
        return response;
      });
      expect(page.status).toBe(200);
      const api = await fetch(`${mailUi}/email`, { headers: { authorization } });
      expect({ status: api.status, mail: (await api.json()) as CapturedEmail[] }).toEqual({
        status: 200,
        mail: [],
      });

      expect((await fetch(`${mailUi}/`)).status).toBe(401);
      expect((await fetch(`${mailUi}/email`)).status).toBe(401);
      const wrong = `Basic ${Buffer.from(`${user}:not-the-password`).toString('base64')}`;
      expect((await fetch(`${mailUi}/email`, { headers: { authorization: wrong } })).status).toBe(401);
      // socket.io (which pushes each new message whole) is not behind maildev's own auth; the gate covers it.
      expect((await fetch(`${mailUi}/socket.io/?EIO=4&transport=polling`)).status).toBe(401);
      expect(
        (await fetch(`${mailUi}/socket.io/?EIO=4&transport=polling`, { headers: { authorization } })).status,
      ).toBe(200);
    } finally {
      await lapse.stop();
    }
    await expect(fetch(`${mailUi}/email`)).rejects.toThrow();
  });

  it('gives a page of another origin no access to the captured mail, even with the credential', async () => {
    const uiPort = await freePort();
    const lapse = await createAllInOne(
      new EnvReader(await freshEnv({ MAIL_UI_PORT: String(uiPort) })),
      silentLogger,
    );
    const mailUi = `http://127.0.0.1:${uiPort}`;
    try {
      const [, user, password] = /Mail login: +user (\S+), password (\S+)/.exec(lapse.lines.join('\n')) ?? [];
      const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      await eventually(async () => {
        const response = await fetch(`${mailUi}/email`, { headers: { authorization } });
        if (response.status !== 200) throw new Error(`maildev answered ${response.status}`);
      });
      const sameOrigin = await fetch(`${mailUi}/email`, { headers: { authorization, origin: mailUi } });
      expect(sameOrigin.status).toBe(200);

      const evil = { origin: 'https://evil.example' };
      const answers = await Promise.all([
        fetch(`${mailUi}/email`, { headers: evil }),
        fetch(`${mailUi}/email`, { headers: { ...evil, authorization } }),
        fetch(`${mailUi}/email`, {
          method: 'OPTIONS',
          headers: {
            ...evil,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        }),
        fetch(`${mailUi}/socket.io/?EIO=4&transport=polling`, { headers: { ...evil, authorization } }),
      ]);
      for (const response of answers) {
        const corsHeaders = [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
        expect({ status: response.status, corsHeaders }).toEqual({ status: 403, corsHeaders: [] });
      }
      expect(await webSocketUpgradeStatus(uiPort, { ...evil, authorization })).toBe(403);
      expect(await webSocketUpgradeStatus(uiPort, { origin: mailUi })).toBe(401);
    } finally {
      await lapse.stop();
    }
  });

  it('stops at start on a malformed voice webhook URL, naming the variable', async () => {
    const env = await freshEnv({ VOICE_WEBHOOK_URL: 'htp:/voice provider', VOICE_WEBHOOK_SECRET: 'x' });
    await expect(createAllInOne(new EnvReader(env), silentLogger)).rejects.toThrow(
      'Invalid configuration: VOICE_WEBHOOK_URL',
    );
  });
});

/** The status line maildev answers to a socket.io WebSocket upgrade (a browser's WebSocket ignores CORS). */
function webSocketUpgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/socket.io/?EIO=4&transport=websocket',
      headers: {
        ...headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    request.once('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.once('error', reject);
    request.end();
  });
}

async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
