import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { Kafka, logLevel } from '@lapse/shared/transport/kafkajs/client';
import { Client } from 'pg';
import { TOPICS } from '@lapse/shared';
import { MaildevCaptureServer } from '../apps/notifier/src/mail-capture/maildev-capture-server';
import { runEntryPoint } from './support/built-entry-point';

/**
 * Microservices mode end to end: directory, identity and notifier as three separate processes (the built
 * entry points `npm run start:<service>` runs), each with its own database, joined only by a real Kafka
 * broker and their internal HTTP APIs.
 */

interface Service {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

async function databaseUrl(name: string): Promise<string> {
  const admin = process.env.LAPSE_TEST_ADMIN_URL as string;
  await createDatabase(admin, name);
  return Object.assign(new URL(admin), { pathname: `/${name}` }).toString();
}

function spawnService(name: string, port: number, env: Record<string, string>): Service {
  const running = runEntryPoint(`dist/apps/${name}/src/main.js`, {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  return { name, url: `http://127.0.0.1:${port}`, ...running };
}

/** Polls at most 3 times a second: identity allows 4 sign-in attempts per second per username. */
async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error: Error) => {
      if (error.message.includes('exited at start')) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('microservices over Kafka', () => {
  const suffix = randomBytes(4).toString('hex');
  const adminToken = `00ms${randomBytes(16).toString('hex')}`;
  const serviceToken = randomBytes(24).toString('hex');
  let services: Service[] = [];
  let directory: Service;
  let identity: Service;
  let mail: MaildevCaptureServer;
  let dataDir: string;
  let directoryDatabase: string;
  let identityDatabase: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lapse-ms-'));
    mail = await MaildevCaptureServer.start();
    const [directoryPort, identityPort, notifierPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const common = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: process.env.LAPSE_TEST_KAFKA_BROKERS as string,
      SERVICE_API_TOKEN: serviceToken,
      ADMIN_API_TOKEN: adminToken,
      DATA_DIR: dataDir,
    };
    const notifier = spawnService('notifier', notifierPort, {
      ...common,
      DATABASE_URL: await databaseUrl(`ms_notifier_${suffix}`),
      SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
      SMTP_REQUIRE_TLS: 'false',
      MAIL_DELIVERY_MODE: 'inline',
    });
    directoryDatabase = await databaseUrl(`ms_directory_${suffix}`);
    directory = spawnService('directory', directoryPort, {
      ...common,
      DATABASE_URL: directoryDatabase,
      NOTIFIER_JWKS_URL: `http://127.0.0.1:${notifierPort}/api/v1/notifier/jwks`,
    });
    identityDatabase = await databaseUrl(`ms_identity_${suffix}`);
    identity = spawnService('identity', identityPort, {
      ...common,
      DATABASE_URL: identityDatabase,
      DIRECTORY_URL: `http://127.0.0.1:${directoryPort}`,
    });
    services = [notifier, directory, identity];
    for (const service of services) {
      await until(
        () => `${service.name} ready; it printed:\n${service.output()}`,
        async () => {
          if (service.child.exitCode !== null)
            throw new Error(`${service.name} exited at start:\n${service.output()}`);
          return (await fetch(`${service.url}/health/ready`)).status === 200 ? true : undefined;
        },
        60_000,
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await mail?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const admin = (path: string, body?: unknown) =>
    fetch(`${directory.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `SSWS ${adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const legacySession = (username: string, password: string) =>
    fetch(`${identity.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });

  it('enforces an expiry made at directory in identity, and delivers a temporary password through notifier', async () => {
    const login = `ms-${suffix}@example.com`;
    const password = 'Correct-Horse-9';
    const created = await admin('/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Mia', lastName: 'Service' },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    const user = (await created.json()) as { id: string; status: string };
    expect(user.status).toBe('ACTIVE');

    // Identity learns the credential over the restricted Kafka topic and opens a session.
    await until('a session for the new user', async () =>
      (await legacySession(login, password)).status === 200 ? true : undefined,
    );

    const expired = await admin(`/api/v1/users/${user.id}/lifecycle/expire_password`);
    expect(expired.status).toBe(200);
    expect(((await expired.json()) as { status: string }).status).toBe('PASSWORD_EXPIRED');
    const refusal = await until('identity to refuse the expired password', async () => {
      const response = await legacySession(login, password);
      return response.status === 401 ? ((await response.json()) as { errorCode: string }) : undefined;
    });
    expect(refusal.errorCode).toBe('E0000064');
    // A wrong password still learns nothing about expiry.
    await new Promise((r) => setTimeout(r, 1000));
    const wrong = await legacySession(login, 'Not-The-Password-1');
    expect(((await wrong.json()) as { errorCode: string }).errorCode).toBe('E0000004');

    const temp = await admin(
      `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?revokeSessions=true`,
    );
    expect(temp.status).toBe(200);
    const { tempPassword } = (await temp.json()) as { tempPassword: string };
    expect(tempPassword.length).toBeGreaterThanOrEqual(12);
    const [email] = await mail.waitForEmails(1, login, 30_000);
    expect(email.text).toContain(tempPassword);
  }, 120_000);

  describe('when directory takes the access away', () => {
    const password = 'Correct-Horse-9';
    const identityCall = (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${identity.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const verify = async (sessionId: string) =>
      (await (
        await identityCall(
          'POST',
          '/internal/v1/sessions/verify',
          { sessionId },
          { authorization: `Bearer ${serviceToken}` },
        )
      ).json()) as { active: boolean };

    async function userWithSession(name: string): Promise<{ id: string; login: string; sessionId: string }> {
      const login = `${name}-${suffix}@example.com`;
      const created = await admin('/api/v1/users?activate=true', {
        profile: { login, email: login, firstName: 'Rosa', lastName: 'Revoked' },
        credentials: { password: { value: password } },
      });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      const sessionId = await until(`a session for ${name}`, async () => {
        const response = await legacySession(login, password);
        return response.status === 200 ? ((await response.json()) as { id: string }).id : undefined;
      });
      expect((await verify(sessionId)).active).toBe(true);
      return { id, login, sessionId };
    }

    /** Identity refuses the session every way: read 404 E0000007, verify inactive, refresh 404. */
    async function refusedEverywhere(sessionId: string): Promise<void> {
      await until('identity to end the session', async () =>
        (await identityCall('GET', `/api/v1/sessions/${sessionId}`)).status === 404 ? true : undefined,
      );
      const read = await identityCall('GET', `/api/v1/sessions/${sessionId}`);
      expect(((await read.json()) as { errorCode: string }).errorCode).toBe('E0000007');
      expect(await verify(sessionId)).toEqual({ active: false });
      expect((await identityCall('POST', `/api/v1/sessions/${sessionId}/lifecycle/refresh`)).status).toBe(
        404,
      );
    }

    /** The user signs in again: the old session stays ended (the revocation ended it, not only the status). */
    async function signsInAgainWithoutTheOldSession(login: string, sessionId: string): Promise<void> {
      await until('the user to sign in again', async () =>
        (await legacySession(login, password)).status === 200 ? true : undefined,
      );
      expect((await identityCall('GET', `/api/v1/sessions/${sessionId}`)).status).toBe(404);
    }

    it('ends the sessions of a suspended user in identity, and unsuspending brings none back', async () => {
      const user = await userWithSession('suspended');
      expect((await admin(`/api/v1/users/${user.id}/lifecycle/suspend`)).status).toBe(200);
      await refusedEverywhere(user.sessionId);
      expect((await admin(`/api/v1/users/${user.id}/lifecycle/unsuspend`)).status).toBe(200);
      await signsInAgainWithoutTheOldSession(user.login, user.sessionId);
    }, 120_000);

    it('ends the sessions of a deactivated user in identity, and activating again brings none back', async () => {
      const user = await userWithSession('deactivated');
      expect((await admin(`/api/v1/users/${user.id}/lifecycle/deactivate`)).status).toBe(200);
      await refusedEverywhere(user.sessionId);
      expect((await admin(`/api/v1/users/${user.id}/lifecycle/activate`)).status).toBe(200);
      await signsInAgainWithoutTheOldSession(user.login, user.sessionId);
    }, 120_000);

    it('ends the sessions on a temporary password with revokeSessions=true', async () => {
      const user = await userWithSession('temp-revoked');
      const temp = await admin(
        `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?revokeSessions=true&deliver=none`,
      );
      expect(temp.status).toBe(200);
      await refusedEverywhere(user.sessionId);
    }, 120_000);
  });

  it("starts a bulk expiry's fan-out only once Kafka holds the fact that enforces it", async () => {
    for (let i = 0; i < 3; i++) {
      const login = `bulk-${i}-${suffix}@example.com`;
      const created = await admin('/api/v1/users?activate=true', {
        profile: { login, email: login, firstName: 'Bo', lastName: 'Bulk' },
        credentials: { password: { value: `Correct-Horse-${i}9` } },
      });
      expect(created.status).toBe(200);
    }
    const started = await admin('/api/v1/users/lifecycle/expire_passwords', { reason: 'fact first' });
    expect(started.status).toBe(202);
    const jobId = ((await started.json()) as { id: string }).id;
    await until('the bulk expiry to complete', async () => {
      const job = await fetch(`${directory.url}/api/v1/jobs/${jobId}`, {
        headers: { authorization: `SSWS ${adminToken}`, accept: 'application/json' },
      });
      return ((await job.json()) as { status: string }).status === 'COMPLETED' ? true : undefined;
    });

    // When the relay produced the fact (the record's timestamp, taken by the producer before Kafka
    // acknowledged it) and when the first batch of the fan-out began (its events' recorded_at).
    const kafka = new Kafka({
      brokers: (process.env.LAPSE_TEST_KAFKA_BROKERS as string).split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `fact-first-${suffix}` });
    let factProducedAt: number | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPICS.directoryUsers, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (
            message.key?.toString() === jobId &&
            message.headers?.['event-type']?.toString() === 'BulkPasswordExpiryStarted'
          )
            factProducedAt = Number(message.timestamp);
        },
      });
      await until('the fact on the topic', async () => factProducedAt);
    } finally {
      await consumer.disconnect();
    }
    const db = new Client({ connectionString: directoryDatabase });
    await db.connect();
    try {
      const { rows } = await db.query<{ first: Date; n: number }>(
        `SELECT min(recorded_at) AS first, count(*)::int AS n FROM lapse_events
          WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`,
        [jobId],
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(3);
      expect(rows[0].first.getTime()).toBeGreaterThanOrEqual(factProducedAt as number);
    } finally {
      await db.end();
    }
  }, 120_000);

  it("logs a sign-in made at identity in directory's System Log, and sets lastLogin", async () => {
    const login = `audited-${suffix}@example.com`;
    const password = 'Correct-Horse-5';
    const created = await admin('/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: password } },
    });
    expect(created.status).toBe(200);
    const userId = ((await created.json()) as { id: string }).id;
    await until('a session for the audited user', async () =>
      (await legacySession(login, password)).status === 200 ? true : undefined,
    );
    const filter = encodeURIComponent(
      `eventType eq "user.session.start" and target.id eq "${userId}" and outcome.result eq "SUCCESS"`,
    );
    const logged = await until('the sign-in in the System Log', async () => {
      const response = await fetch(`${directory.url}/api/v1/logs?filter=${filter}`, {
        headers: { authorization: `SSWS ${adminToken}`, accept: 'application/json' },
      });
      const events = (await response.json()) as { client: { ipAddress: string } }[];
      return events.length > 0 ? events[0] : undefined;
    });
    expect(logged.client.ipAddress).toBe('127.0.0.1');
    const user = (await (
      await fetch(`${directory.url}/api/v1/users/${userId}`, {
        headers: { authorization: `SSWS ${adminToken}`, accept: 'application/json' },
      })
    ).json()) as { lastLogin: string | null };
    expect(user.lastLogin).not.toBeNull();
  }, 60_000);

  it("refuses a revoked admin token at identity's admin route once identity has consumed the revocation from Kafka", async () => {
    const created = await admin('/api/v1/api-tokens', { name: 'ms helpdesk', role: 'USER_ADMIN' });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const endSessions = () =>
      fetch(`${identity.url}/api/v1/users/00u-no-such-user/sessions`, {
        method: 'DELETE',
        headers: { authorization: `SSWS ${token}`, accept: 'application/json' },
      });
    expect((await endSessions()).status).toBe(204); // identity now caches the positive introspection
    const revoked = await fetch(`${directory.url}/api/v1/api-tokens/${id}`, {
      method: 'DELETE',
      headers: { authorization: `SSWS ${adminToken}` },
    });
    expect(revoked.status).toBe(204);
    const query = async (url: string, sql: string, params: unknown[]) => {
      const db = new Client({ connectionString: url });
      await db.connect();
      try {
        return (await db.query(sql, params)).rows;
      } finally {
        await db.end();
      }
    };
    const [event] = await query(
      directoryDatabase,
      `SELECT event_id::text FROM lapse_events WHERE stream_id = $1 AND type = 'AdminTokenRevoked'`,
      [`admin-token-${id}`],
    );
    await until('identity to consume AdminTokenRevoked', async () =>
      (await query(identityDatabase, 'SELECT 1 FROM lapse_inbox WHERE event_id = $1', [event.event_id]))
        .length > 0
        ? true
        : undefined,
    );
    const refused = await endSessions();
    expect({
      status: refused.status,
      errorCode: ((await refused.json()) as { errorCode: string }).errorCode,
    }).toEqual({
      status: 401,
      errorCode: 'E0000011',
    });
  });

  it("runs kafkajs with Lapse's drop-ins in every service (installed before kafkajs loaded)", () => {
    for (const service of services) {
      expect(service.output()).not.toContain('kafkajs runs without some of its drop-ins');
    }
  });

  it('shuts every service down cleanly on SIGTERM', async () => {
    for (const service of services) service.child.kill('SIGTERM');
    for (const service of services) expect(await service.exited).toBe(0);
  }, 60_000);
});
