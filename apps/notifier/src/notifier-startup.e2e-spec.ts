import { randomBytes } from 'node:crypto';
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
    ADMIN_API_TOKEN: `00start${randomBytes(12).toString('hex')}`,
    SERVICE_API_TOKEN: randomBytes(24).toString('hex'),
    DATA_DIR: `/tmp/lapse-test-data/${name}`,
    ...extra,
  };
}

describe('starting the notifier in the all-in-one app', () => {
  it('starts an embedded maildev when no SMTP_URL is set, with its page and API on MAIL_UI_PORT, and prints the URL', async () => {
    const uiPort = await freePort();
    const lapse = await createAllInOne(
      new EnvReader(await freshEnv({ MAIL_UI_PORT: String(uiPort) })),
      silentLogger,
    );
    try {
      expect(lapse.lines.join('\n')).toContain(`Mail (maildev): http://127.0.0.1:${uiPort}`);
      // The app does not wait for the capture server; it comes up beside it.
      const page = await eventually(() => fetch(`http://127.0.0.1:${uiPort}/`));
      expect(page.status).toBe(200);
      const api = await fetch(`http://127.0.0.1:${uiPort}/email`);
      expect((await api.json()) as CapturedEmail[]).toEqual([]);
    } finally {
      await lapse.stop();
    }
    await expect(fetch(`http://127.0.0.1:${uiPort}/email`)).rejects.toThrow();
  });

  it('stops at start on a malformed voice webhook URL, naming the variable', async () => {
    const env = await freshEnv({ VOICE_WEBHOOK_URL: 'htp:/voice provider', VOICE_WEBHOOK_SECRET: 'x' });
    await expect(createAllInOne(new EnvReader(env), silentLogger)).rejects.toThrow(
      'Invalid configuration: VOICE_WEBHOOK_URL',
    );
  });
});

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
