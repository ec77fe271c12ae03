import { randomBytes } from 'node:crypto';
import { Client, type QueryResultRow } from 'pg';
import { EnvReader } from '@lapse/shared';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { type AllInOne, createAllInOne } from '../../all-in-one';
import { MaildevCaptureServer } from './mail-capture/maildev-capture-server';
import { capturingLogger } from './testing/capturing-logger';
import { dumpEveryTable } from './testing/database-dump';

/**
 * The whole path in the all-in-one app: an administrator expires a password with a temporary one,
 * directory seals it for the notifier, the notifier emails a one-time link over real SMTP, the user
 * reveals the password once. Then every log line and every table is searched for the plaintext.
 */
describe('delivering a temporary password end to end (all-in-one, real SMTP)', () => {
  let maildev: MaildevCaptureServer;
  let lapse: AllInOne;
  let url: string;
  let databaseUrl: string;
  const adminToken = `00e2e${randomBytes(16).toString('hex')}`;
  const captured = capturingLogger('lapse');
  const written: string[] = [];
  const originalStdout = process.stdout.write.bind(process.stdout);
  const originalStderr = process.stderr.write.bind(process.stderr);

  beforeAll(async () => {
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    maildev = await MaildevCaptureServer.start();
    const adminUrl = process.env.LAPSE_TEST_ADMIN_URL as string;
    const name = `notifier_e2e_${randomBytes(5).toString('hex')}`;
    await createDatabase(adminUrl, name);
    databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    lapse = await createAllInOne(
      new EnvReader({
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        DATABASE_URL: databaseUrl,
        ADMIN_API_TOKEN: adminToken,
        SERVICE_API_TOKEN: randomBytes(24).toString('hex'),
        DATA_DIR: `/tmp/lapse-test-data/${name}`,
        SMTP_URL: maildev.smtpUrl,
        SMTP_REQUIRE_TLS: 'false',
        DELIVERY_POLL_MS: '50',
      }),
      captured.logger,
    );
    await lapse.app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await lapse?.stop();
    await maildev?.stop();
    process.stdout.write = originalStdout;
    process.stderr.write = originalStderr;
  });

  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `SSWS ${adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it('publishes its public keys for directory to seal with', async () => {
    const response = await fetch(`${url}/api/v1/notifier/jwks`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      use: 'enc',
      alg: 'ECDH-ES+A256KW',
    });
  });

  it('publishes TemporaryPasswordDeliveryFailed with reason NO_CHANNEL for a user with no email and no phone', async () => {
    const login = `nomail.${randomBytes(4).toString('hex')}`;
    const created = await admin('/api/v1/users?activate=true', {
      method: 'POST',
      body: {
        profile: { login, firstName: 'No', lastName: 'Mail' },
        credentials: { password: { value: `Start-${randomBytes(6).toString('hex')}-Pw1!` } },
      },
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const expired = await admin(`/api/v1/users/${id}/lifecycle/expire_password_with_temp_password`, {
      method: 'POST',
    });
    expect(expired.status).toBe(200);

    const failure = await waitForValue(async () => {
      const { rows } = await query<{ data: { reason: string; userId: string; attempts: number } }>(
        databaseUrl,
        `SELECT data FROM lapse_events WHERE stream_type = 'delivery' AND type = 'DeliveryFailed' AND data->>'userId' = $1`,
        [id],
      );
      return rows[0]?.data;
    });
    expect(failure).toMatchObject({ reason: 'NO_CHANNEL', attempts: 0, userId: id });
  });

  it('emails a one-time link that reveals the temporary password once, and leaves no plaintext anywhere', async () => {
    const email = `ada.${randomBytes(4).toString('hex')}@example.com`;
    const created = await admin('/api/v1/users?activate=true', {
      method: 'POST',
      body: {
        profile: { login: email, email, firstName: 'Ada', lastName: 'Lovelace' },
        credentials: { password: { value: `Start-${randomBytes(6).toString('hex')}-Pw1!` } },
      },
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };

    const expired = await admin(`/api/v1/users/${id}/lifecycle/expire_password_with_temp_password`, {
      method: 'POST',
    });
    expect(expired.status).toBe(200);
    const { tempPassword } = (await expired.json()) as { tempPassword: string };
    expect(tempPassword.length).toBeGreaterThanOrEqual(8);

    const [mail] = await maildev.waitForEmails(1, email, 20_000);
    expect(`${mail.text}\n${mail.html}`).not.toContain(tempPassword);
    const link = new RegExp(`${url.replace(/[.:/]/g, '\\$&')}/notifier/reveal/[A-Za-z0-9_-]{43}`).exec(
      mail.text,
    )?.[0] as string;
    expect(link).toBeDefined();

    const landing = await fetch(link);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('cache-control')).toBe('no-store');
    const landingPage = await landing.text();
    expect(landingPage).toContain('<form method="post">');
    expect(landingPage).not.toContain(tempPassword);

    const revealed = await fetch(link, { method: 'POST' });
    expect(revealed.status).toBe(200);
    expect(await revealed.text()).toContain(tempPassword);

    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(410);
    const refusal = await again.text();
    expect(refusal).toContain('This password has already been viewed');
    expect(refusal).not.toContain(tempPassword);
    expect((await fetch(link)).status).toBe(410);

    // Let the delivery outcome reach directory, then stop the app so every log line is flushed.
    await waitFor(async () => (await dumpEveryTable(databaseUrl)).includes('TemporaryPasswordRevealed'));
    await lapse.stop();

    expect(captured.lines.some((line) => line.includes('temporary password delivered'))).toBe(true);
    const leakingLines = [...captured.lines, ...written].filter((line) => line.includes(tempPassword));
    expect(leakingLines).toEqual([]);
    const dump = await dumpEveryTable(databaseUrl);
    expect(dump).toContain(id);
    expect(dump.includes(tempPassword)).toBe(false);
    expect(dump).toContain('-- public.notifier_sealed_passwords (0 rows)');
  });
});

async function waitForValue<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  let value: T | undefined;
  await waitFor(async () => {
    value = await read();
    return value !== undefined;
  }, timeoutMs);
  return value as T;
}

async function query<R extends QueryResultRow>(
  databaseUrl: string,
  sql: string,
  values: unknown[],
): Promise<{ rows: R[] }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await client.query<R>(sql, values);
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
