import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvReader, silentLogger, systemClock } from '@lapse/shared';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import type { Microservice } from '@lapse/shared/nest/run-microservice';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { Client } from 'pg';
import { createIdentityService } from '../../../../identity/src/main';
import { MaildevCaptureServer } from '../../../../notifier/src/mail-capture/maildev-capture-server';
import { createNotifierService } from '../../../../notifier/src/main';
import { ExpiryReminders } from '../../../../notifier/src/notices/expiry-reminders';
import { createDirectoryService } from '../../main';
import { PasswordAgeSweeper } from './password-age.sweeper';

const DAY_MS = 86_400_000;
const PASSWORD = 'Original-Pw-123';

async function databaseUrl(name: string): Promise<string> {
  const admin = process.env.LAPSE_TEST_ADMIN_URL as string;
  await createDatabase(admin, name);
  return Object.assign(new URL(admin), { pathname: `/${name}` }).toString();
}

async function rows<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, values)).rows as T[];
  } finally {
    await db.end();
  }
}

/**
 * The age expiry and the reminders over the Kafka transport: directory, identity and notifier as three apps
 * in this process, each with its own database, joined only by the broker the kafka project's global setup
 * starts (and identity's internal HTTP calls to directory). The clock is moved, not waited for: the
 * notifier queues a reminder inside the warning window, and after the sweep the PasswordExpired (cause
 * POLICY) reaches identity, which refuses the password at the real time, and the notifier, which stops
 * reminding.
 */
describe('age expiry and reminders over Kafka', () => {
  const suffix = randomBytes(4).toString('hex');
  const adminToken = `00age${randomBytes(16).toString('hex')}`;
  const serviceToken = randomBytes(24).toString('hex');
  let dataDir: string;
  let mail: MaildevCaptureServer;
  let services: Microservice[] = [];
  let directory: Microservice;
  let notifierDatabase: string;
  let identityDatabase: string;
  let directoryUrl: string;
  let identityUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lapse-age-kafka-'));
    mail = await MaildevCaptureServer.start();
    const [directoryPort, identityPort, notifierPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    directoryUrl = `http://127.0.0.1:${directoryPort}`;
    identityUrl = `http://127.0.0.1:${identityPort}`;
    const common = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: process.env.LAPSE_TEST_KAFKA_BROKERS as string,
      SERVICE_API_TOKEN: serviceToken,
      ADMIN_API_TOKEN: adminToken,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_ITERATIONS: '1',
      PASSWORD_POLICY_CACHE_MS: '0',
      POLICY_SWEEP_INTERVAL_SECONDS: '0',
      REMINDER_SCAN_INTERVAL_SECONDS: '0',
    };
    notifierDatabase = await databaseUrl(`age_notifier_${suffix}`);
    const notifier = await createNotifierService(
      new EnvReader({
        ...common,
        PORT: String(notifierPort),
        PUBLIC_URL: `http://127.0.0.1:${notifierPort}`,
        DATABASE_URL: notifierDatabase,
        SMTP_URL: mail.smtpUrl,
        SMTP_REQUIRE_TLS: 'false',
        DELIVERY_POLL_MS: '50',
      }),
      silentLogger,
    );
    await notifier.app.listen(notifierPort, '127.0.0.1');
    services.push(notifier);
    directory = await createDirectoryService(
      new EnvReader({
        ...common,
        PORT: String(directoryPort),
        PUBLIC_URL: directoryUrl,
        DATABASE_URL: await databaseUrl(`age_directory_${suffix}`),
        NOTIFIER_JWKS_URL: `http://127.0.0.1:${notifierPort}/api/v1/notifier/jwks`,
      }),
      silentLogger,
    );
    await directory.app.listen(directoryPort, '127.0.0.1');
    services.push(directory);
    identityDatabase = await databaseUrl(`age_identity_${suffix}`);
    const identity = await createIdentityService(
      new EnvReader({
        ...common,
        PORT: String(identityPort),
        PUBLIC_URL: identityUrl,
        DIRECTORY_URL: directoryUrl,
        DATABASE_URL: identityDatabase,
      }),
      silentLogger,
    );
    await identity.app.listen(identityPort, '127.0.0.1');
    services.push(identity);
  });

  afterAll(async () => {
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    services = [];
    await mail?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  afterEach(() => jest.restoreAllMocks());

  const call = async (base: string, method: string, path: string, body?: unknown, admin = false) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(admin ? { authorization: `SSWS ${adminToken}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const signIn = async (login: string) =>
    (await call(identityUrl, 'POST', '/api/v1/authn', { username: login, password: PASSWORD })).body.status;
  const moveClockBy = (days: number) => {
    const moved = Date.now() + days * DAY_MS;
    jest.spyOn(systemClock, 'now').mockImplementation(() => new Date(moved));
  };

  it('reminds inside the window, then expires by age; identity and the notifier learn it from the broker', async () => {
    const policy = await call(
      directoryUrl,
      'PUT',
      '/api/v1/policies/password',
      { age: { maxAgeDays: 30, expireWarnDays: 5 } },
      true,
    );
    expect(policy.status).toBe(200);
    const email = `aged.${suffix}@example.com`;
    const created = await call(
      directoryUrl,
      'POST',
      '/api/v1/users?activate=true',
      { profile: { login: email, email, firstName: 'Ada' }, credentials: { password: { value: PASSWORD } } },
      true,
    );
    expect(created.status).toBe(200);
    const userId = created.body.id as string;
    await waitFor('identity to know the user', async () => (await signIn(email)) === 'SUCCESS', 30_000);
    const ageOf = async () =>
      (
        await rows<{ status: string; max_age_days: number | null }>(
          notifierDatabase,
          `SELECT a.status, p.max_age_days FROM notifier_password_ages a
             LEFT JOIN notifier_password_policy p ON true WHERE a.user_id = $1`,
          [userId],
        )
      )[0];
    await waitFor(
      'the notifier to know the user and the policy',
      async () => (await ageOf())?.max_age_days === 30,
      30_000,
    );

    moveClockBy(27);
    expect(await services[0].app.get(ExpiryReminders, { strict: false }).scan()).toBe(1);
    const [reminder] = await mail.waitForEmails(1, email, 20_000);
    expect(reminder.subject).toBe('Your password expires in 3 days');

    moveClockBy(31);
    expect((await directory.app.get(PasswordAgeSweeper, { strict: false }).sweep()).expired).toBe(1);
    jest.restoreAllMocks();
    await waitFor(
      'identity to refuse the expired password',
      async () => (await signIn(email)) === 'PASSWORD_EXPIRED',
      30_000,
    );
    await waitFor(
      'the notifier to stop reminding',
      async () => (await ageOf())?.status === 'PASSWORD_EXPIRED',
      30_000,
    );
  });

  it("holds a group's member to the group policy's maximum age; identity and the notifier learn it from the broker", async () => {
    const group = await call(
      directoryUrl,
      'POST',
      '/api/v1/groups',
      { profile: { name: `aged-${suffix}` } },
      true,
    );
    expect(group.status).toBe(200);
    const policy = await call(
      directoryUrl,
      'POST',
      '/api/v1/policies',
      {
        type: 'PASSWORD',
        name: `One day ${suffix}`,
        conditions: { people: { groups: { include: [group.body.id] } } },
        settings: { password: { age: { maxAgeDays: 1, expireWarnDays: 0 } } },
      },
      true,
    );
    expect(policy.status).toBe(200);
    const user = async (name: string, groupIds: string[]) => {
      const email = `${name}.${suffix}@example.com`;
      const created = await call(
        directoryUrl,
        'POST',
        '/api/v1/users?activate=true',
        {
          profile: { login: email, email, firstName: 'Ada' },
          credentials: { password: { value: PASSWORD } },
          groupIds,
        },
        true,
      );
      expect(created.status).toBe(200);
      await waitFor(`identity to know ${name}`, async () => (await signIn(email)) === 'SUCCESS', 30_000);
      return { id: created.body.id as string, email };
    };
    const member = await user('member', [group.body.id]);
    const other = await user('other', []);
    await waitFor(
      'the notifier to know the group policy and the membership',
      async () =>
        (
          await rows(notifierDatabase, 'SELECT 1 FROM notifier_group_password_policies WHERE id = $1', [
            policy.body.id,
          ])
        ).length === 1 &&
        (await rows(notifierDatabase, 'SELECT 1 FROM notifier_group_members WHERE user_id = $1', [member.id]))
          .length === 1,
      30_000,
    );

    moveClockBy(2);
    await waitFor(
      "identity to refuse the member's password",
      async () => (await signIn(member.email)) === 'PASSWORD_EXPIRED',
      30_000,
    );
    expect(await signIn(other.email)).toBe('SUCCESS');
    for (const database of [identityDatabase, notifierDatabase])
      expect(
        await rows(
          database,
          "SELECT consumer FROM lapse_dead_letters WHERE event_type LIKE 'GroupPasswordPolicy%'",
        ),
      ).toEqual([]);
  });
});
