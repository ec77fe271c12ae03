import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { Kafka, logLevel } from '@lapse/shared/transport/kafkajs/client';
import { Client as OktaClient } from '@okta/okta-sdk-nodejs';
import { Client } from 'pg';
import { TOPICS } from '@lapse/shared';
import { MaildevCaptureServer } from '../apps/notifier/src/mail-capture/maildev-capture-server';
import { nginxInstalled, nginxPath, type RunningGateway, startGateway } from '../libs/stack/src/gateway';
import { runEntryPoint } from './support/built-entry-point';
// Polls every 300 ms, at most 3 times a second: identity allows 4 sign-in attempts per second per username.
import { until } from './support/service-processes';
import { expectOktaError, requestFrom } from './support/gateway-client';

/**
 * Microservices mode end to end: directory, identity and notifier as three separate processes (the built
 * entry points `npm run start:<service>` runs), each with its own database, joined only by a real Kafka
 * broker and their internal HTTP APIs, behind the gateway (Debian's nginx with deploy/nginx.conf, as
 * `npm run stack` runs it). Every client call goes through the gateway; only what is internal by nature
 * (service-to-service routes, the test databases, Kafka, the mail capture's API) is reached directly.
 */
if (!nginxInstalled() && process.env.CI === 'true') {
  throw new Error(
    `nginx is required with CI=true (${nginxPath()} not found; .ci/run installs Debian's nginx)`,
  );
}
if (!nginxInstalled()) {
  console.warn(
    'microservices: suite skipped — nginx is not installed (apt-get install nginx, or set NGINX_PATH)',
  );
}
const describeWithGateway = nginxInstalled() ? describe : describe.skip;
/** One minute of a staged bulk expiry's `waves.intervalMinutes` in directory (`BULK_EXPIRY_WAVE_MINUTE_MS`). */
const WAVE_MINUTE_MS = 10_000;

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
  });
  return { name, url: `http://127.0.0.1:${port}`, ...running };
}

describeWithGateway('microservices over Kafka, behind the gateway', () => {
  const suffix = randomBytes(4).toString('hex');
  const adminToken = `00ms${randomBytes(16).toString('hex')}`;
  const serviceToken = randomBytes(24).toString('hex');
  let services: Service[] = [];
  let directory: Service;
  let identity: Service;
  let gateway: RunningGateway;
  /** The gateway's URL: the only address clients use. */
  let url: string;
  let mail: MaildevCaptureServer;
  let dataDir: string;
  let directoryDatabase: string;
  let identityDatabase: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lapse-ms-'));
    mail = await MaildevCaptureServer.start();
    const [directoryPort, identityPort, notifierPort, gatewayPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    url = `http://127.0.0.1:${gatewayPort}`;
    const common = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: process.env.LAPSE_TEST_KAFKA_BROKERS as string,
      SERVICE_API_TOKEN: serviceToken,
      ADMIN_API_TOKEN: adminToken,
      DATA_DIR: dataDir,
      // Links (reset, reveal, pagination, authn's next steps) name the gateway; it names the client.
      PUBLIC_URL: url,
      TRUST_PROXY: '127.0.0.1',
    };
    const notifier = spawnService('notifier', notifierPort, {
      ...common,
      DATABASE_URL: await databaseUrl(`ms_notifier_${suffix}`),
      SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
      SMTP_REQUIRE_TLS: 'false',
    });
    directoryDatabase = await databaseUrl(`ms_directory_${suffix}`);
    directory = spawnService('directory', directoryPort, {
      ...common,
      DATABASE_URL: directoryDatabase,
      NOTIFIER_JWKS_URL: `http://127.0.0.1:${notifierPort}/api/v1/notifier/jwks`,
      // A staged bulk expiry's minute lasts 10 s here, so its second wave starts within the case.
      BULK_EXPIRY_WAVE_MINUTE_MS: String(WAVE_MINUTE_MS),
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
    gateway = await startGateway({
      host: '127.0.0.1',
      port: gatewayPort,
      prefix: join(dataDir, 'gateway'),
      upstreams: {
        directory: `127.0.0.1:${directoryPort}`,
        identity: `127.0.0.1:${identityPort}`,
        notifier: `127.0.0.1:${notifierPort}`,
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await gateway?.stop();
    await mail?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const admin = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `SSWS ${adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const adminGet = (path: string) =>
    fetch(`${url}${path}`, { headers: { authorization: `SSWS ${adminToken}`, accept: 'application/json' } });
  const legacySession = (username: string, password: string) =>
    fetch(`${url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  /** `count` ACTIVE users named `<name>-<i>`, each with `extra(i)` in its creation body, once identity signs them in. */
  async function signableUsers(name: string, count: number, extra: (i: number) => object = () => ({})) {
    const users: { id: string; login: string; password: string }[] = [];
    for (let i = 0; i < count; i++) {
      const login = `${name}-${i}-${suffix}@example.com`;
      const password = `Correct-Horse-${name.length}${i}7`;
      const created = await admin('/api/v1/users?activate=true', {
        profile: { login, email: login, firstName: 'Sig', lastName: 'Nable' },
        credentials: { password: { value: password } },
        ...extra(i),
      });
      expect(created.status).toBe(200);
      users.push({ id: ((await created.json()) as { id: string }).id, login, password });
    }
    for (const user of users)
      await until(`a session for ${user.login}`, async () =>
        (await legacySession(user.login, user.password)).status === 200 ? true : undefined,
      );
    return users;
  }

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
    expect(email.text).not.toContain(tempPassword);
    // The one-time link names the gateway, which routes it to notifier.
    const link = new RegExp(`${url.replace(/[.:/]/g, '\\$&')}/notifier/reveal/[A-Za-z0-9_-]{43}`).exec(
      email.text,
    )?.[0] as string;
    expect(link).toBeDefined();
    const landing = await fetch(link);
    expect(landing.status).toBe(200);
    expect(await landing.text()).not.toContain(tempPassword);
    // The link works as soon as the email arrives; revealing waits until notifier has recorded the send (409
    // "not ready yet" before), which directory reports as DELIVERED.
    await until('directory to report the delivery', async () => {
      const shown = (await (await adminGet(`/api/v1/users/${user.id}`)).json()) as {
        credentials: { password: { tempPasswordDelivery?: { status: string } } };
      };
      return shown.credentials.password.tempPasswordDelivery?.status === 'DELIVERED' ? true : undefined;
    });
    const revealed = await fetch(link, { method: 'POST' });
    expect(revealed.status).toBe(200);
    expect(await revealed.text()).toContain(tempPassword);
    expect((await fetch(link, { method: 'POST' })).status).toBe(410);
  }, 120_000);

  describe('when directory takes the access away', () => {
    const password = 'Correct-Horse-9';
    const identityCall = (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    /** Service to service, so straight to identity: the gateway does not expose /internal/. */
    const verify = async (sessionId: string) =>
      (await (
        await fetch(`${identity.url}/internal/v1/sessions/verify`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            authorization: `Bearer ${serviceToken}`,
          },
          body: JSON.stringify({ sessionId }),
        })
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
      const job = await adminGet(`/api/v1/jobs/${jobId}`);
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

  it('enforces a bulk expiry scoped to listed users at identity for exactly them, through Kafka', async () => {
    const users = await signableUsers('listed', 3);
    const listed = users.slice(0, 2);
    const started = await admin('/api/v1/users/lifecycle/expire_passwords', {
      userIds: listed.map((user) => user.id),
    });
    expect(started.status).toBe(202);
    for (const user of listed) {
      const refusal = await until(`identity to refuse ${user.login}`, async () => {
        const response = await legacySession(user.login, user.password);
        return response.status === 401 ? ((await response.json()) as { errorCode: string }) : undefined;
      });
      expect(refusal.errorCode).toBe('E0000064');
    }
    expect((await legacySession(users[2].login, users[2].password)).status).toBe(200);
  }, 120_000);

  it('enforces a bulk expiry scoped to a group at identity for its members only, through Kafka', async () => {
    const group = await admin('/api/v1/groups', { profile: { name: `Finance ${suffix}` } });
    expect(group.status).toBe(200);
    const groupId = ((await group.json()) as { id: string }).id;
    const users = await signableUsers('grouped', 3, (i) => (i < 2 ? { groupIds: [groupId] } : {}));
    const members = (await (await adminGet(`/api/v1/groups/${groupId}/users`)).json()) as { id: string }[];
    expect(members.map((member) => member.id).sort()).toEqual([users[0].id, users[1].id].sort());
    const started = await admin('/api/v1/users/lifecycle/expire_passwords', { groupIds: [groupId] });
    expect(started.status).toBe(202);
    for (const user of users.slice(0, 2)) {
      const refusal = await until(`identity to refuse ${user.login}`, async () => {
        const response = await legacySession(user.login, user.password);
        return response.status === 401 ? ((await response.json()) as { errorCode: string }) : undefined;
      });
      expect(refusal.errorCode).toBe('E0000064');
    }
    expect((await legacySession(users[2].login, users[2].password)).status).toBe(200);
  }, 120_000);

  it("enforces a staged expiry's second wave at identity when it starts and not before, scoped to an upload streamed through the gateway", async () => {
    const users = await signableUsers('wave', 2);
    const uploaded = await fetch(`${url}/api/v1/users/lifecycle/expire_passwords/uploads`, {
      method: 'POST',
      headers: {
        authorization: `SSWS ${adminToken}`,
        'content-type': 'text/plain',
        accept: 'application/json',
      },
      body: `${users.map((user) => user.id).join('\n')}\n`,
    });
    expect(uploaded.status).toBe(201);
    const upload = (await uploaded.json()) as { id: string; count: number };
    expect(upload.count).toBe(2);

    const started = await admin('/api/v1/users/lifecycle/expire_passwords', {
      uploadId: upload.id,
      waves: { size: 1, intervalMinutes: 1 },
    });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { id: string };
    const waveStates = async () =>
      ((await (await adminGet(`/api/v1/jobs/${job.id}`)).json()) as { waves: { state: string }[] }).waves.map(
        (wave) => wave.state,
      );
    // Waves take the set in id order: the first user is the first wave's, the second the second's.
    const [first, second] = [...users].sort((a, b) => a.id.localeCompare(b.id));
    const refused = async (user: (typeof users)[number]) =>
      until(`identity to refuse ${user.login}`, async () => {
        const response = await legacySession(user.login, user.password);
        return response.status === 401 ? ((await response.json()) as { errorCode: string }) : undefined;
      });
    expect((await refused(first)).errorCode).toBe('E0000064');
    // Before the second wave starts (its state read after the sign-in), identity lets its user in.
    expect((await legacySession(second.login, second.password)).status).toBe(200);
    expect((await waveStates())[1]).toBe('PENDING');
    // Once it has started, identity refuses them.
    expect((await refused(second)).errorCode).toBe('E0000064');
    expect((await waveStates())[1]).not.toBe('PENDING');
  }, 120_000);

  describe("the client's address, as the gateway forwards it", () => {
    /** Signs in through the gateway from `from`, naming another client in X-Forwarded-For; the user's id. */
    async function signInFrom(from: string, name: string): Promise<string> {
      const login = `${name}-${suffix}@example.com`;
      const password = 'Correct-Horse-5';
      const created = await admin('/api/v1/users?activate=true', {
        profile: { login, email: login },
        credentials: { password: { value: password } },
      });
      expect(created.status).toBe(200);
      await until(`a sign-in of ${name} from ${from}`, async () => {
        const answer = await requestFrom(from, `${url}/api/v1/authn`, {
          method: 'POST',
          headers: { 'x-forwarded-for': '203.0.113.9' },
          body: JSON.stringify({ username: login, password }),
        });
        return answer.status === 200 ? true : undefined;
      });
      return ((await created.json()) as { id: string }).id;
    }

    async function loggedSignIn(userId: string): Promise<{ client: { ipAddress: string } }> {
      const filter = encodeURIComponent(
        `eventType eq "user.session.start" and target.id eq "${userId}" and outcome.result eq "SUCCESS"`,
      );
      return until('the sign-in in the System Log', async () => {
        const events = (await (await adminGet(`/api/v1/logs?filter=${filter}`)).json()) as {
          client: { ipAddress: string };
        }[];
        return events.length > 0 ? events[0] : undefined;
      });
    }

    it("logs a sign-in in directory's System Log with the address the client connected from, and sets lastLogin", async () => {
      // The gateway reaches identity from 127.0.0.1: 127.0.0.2 can only come from what it forwarded.
      const userId = await signInFrom('127.0.0.2', 'audited');
      expect((await loggedSignIn(userId)).client.ipAddress).toBe('127.0.0.2');
      const user = (await (await adminGet(`/api/v1/users/${userId}`)).json()) as { lastLogin: string | null };
      expect(user.lastLogin).not.toBeNull();
    }, 60_000);

    it("does not let a client on the gateway's own address name another one in X-Forwarded-For", async () => {
      // 127.0.0.1 is also the address identity trusts (TRUST_PROXY): had the gateway appended to the
      // client's header instead of replacing it, identity would have read 203.0.113.9.
      const userId = await signInFrom('127.0.0.1', 'spoofing');
      expect((await loggedSignIn(userId)).client.ipAddress).toBe('127.0.0.1');
    }, 60_000);
  });

  it("drives the Okta Node SDK's flows through the gateway", async () => {
    const config = { orgUrl: url, token: adminToken, testing: { disableHttpsCheck: true } };
    const okta = new OktaClient(config as ConstructorParameters<typeof OktaClient>[0]);
    const createUser = (name: string) =>
      okta.userApi.createUser({
        body: {
          profile: { login: `${name}-${suffix}@example.com`, email: `${name}-${suffix}@example.com` },
          credentials: { password: { value: 'Initial1pass' } },
        },
        activate: true,
      });
    const user = await createUser('sdk-a');
    const userId = user.id as string;
    expect((await okta.userApi.getUser({ userId })).profile?.login).toBe(`sdk-a-${suffix}@example.com`);
    await okta.userApi.changePassword({
      userId,
      changePasswordRequest: {
        oldPassword: { value: 'Initial1pass' },
        newPassword: { value: 'Changed9pass' },
      },
    });
    await expect(
      okta.userApi.changePassword({
        userId,
        changePasswordRequest: {
          oldPassword: { value: 'Wrong1pass' },
          newPassword: { value: 'Changed8pass' },
        },
      }),
    ).rejects.toMatchObject({ status: 403, errorCode: 'E0000014' });
    const other = await createUser('sdk-b');
    const temp = await okta.userApi.expirePasswordAndGetTemporaryPassword({
      userId: other.id as string,
      revokeSessions: true,
    });
    expect(temp.tempPassword?.length).toBeGreaterThanOrEqual(12);
    expect((await okta.userApi.expirePassword({ userId })).status).toBe('PASSWORD_EXPIRED');
    const refusal = await until('identity to refuse the expired password', async () => {
      // Identity may not have the changed password yet (E0000004): wait for the expiry itself.
      const response = await legacySession(`sdk-a-${suffix}@example.com`, 'Changed9pass');
      const body = (await response.json()) as { errorCode?: string };
      return body.errorCode === 'E0000064' ? { status: response.status, ...body } : undefined;
    });
    expect(refusal).toMatchObject({ status: 401, errorCode: 'E0000064' });

    // The collection follows Link rel="next", which names the gateway.
    const page = await adminGet('/api/v1/users?limit=1');
    expect(page.headers.get('link')).toContain(`<${url}/api/v1/users?`);
    const logins: string[] = [];
    await (await okta.userApi.listUsers({ limit: 2 })).each((listed) => {
      logins.push(listed.profile?.login as string);
    });
    expect(logins).toEqual(
      expect.arrayContaining([`sdk-a-${suffix}@example.com`, `sdk-b-${suffix}@example.com`]),
    );
  }, 120_000);

  it('signs in with /api/v1/authn and changes an expired password there, through the gateway', async () => {
    const login = `authn-${suffix}@example.com`;
    const created = await admin('/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: 'Correct-Horse-7' } },
    });
    const userId = ((await created.json()) as { id: string }).id;
    const authn = async (body: unknown) => {
      const response = await fetch(`${url}/api/v1/authn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    await until('a sign-in with authn', async () =>
      (await authn({ username: login, password: 'Correct-Horse-7' })).status === 'SUCCESS' ? true : undefined,
    );
    expect((await admin(`/api/v1/users/${userId}/lifecycle/expire_password`)).status).toBe(200);
    const expired = await until('authn to answer PASSWORD_EXPIRED', async () => {
      const answer = await authn({ username: login, password: 'Correct-Horse-7' });
      return answer.status === 'PASSWORD_EXPIRED' ? answer : undefined;
    });
    const next = (expired._links as { next: { href: string } }).next.href;
    expect(next).toBe(`${url}/api/v1/authn/credentials/change_password`);
    const changed = await fetch(next, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        stateToken: expired.stateToken,
        oldPassword: 'Correct-Horse-7',
        newPassword: 'Brand-New-Pass-9',
      }),
    });
    expect(changed.status).toBe(200);
    const { status, sessionToken } = (await changed.json()) as { status: string; sessionToken: string };
    expect(status).toBe('SUCCESS');
    expect(
      (
        await fetch(`${url}/api/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ sessionToken }),
        })
      ).status,
    ).toBe(200);
  }, 60_000);

  it("reports each service's Kafka consumer lag per topic and its relay's lag on /metrics", async () => {
    const scrape = (service: Service) =>
      fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${serviceToken}` } }).then(
        (response) => response.text(),
      );
    // Everything so far is consumed and published: every consumer's lag on every topic comes down to 0.
    // A timeout names the lags last seen (one run on Kafka 4.4.0 waited out 30 s; not reproduced since).
    let lastLags = 'no scrape answered';
    const identityMetrics = await until(
      () => `identity to report no Kafka consumer lag; last seen: ${lastLags}`,
      async () => {
        const text = await scrape(identity);
        const lags = [...text.matchAll(/^lapse_kafka_consumer_lag_messages\{(.*)\} (\S+)$/gm)];
        lastLags = lags.map((lag) => `{${lag[1]}} ${lag[2]}`).join(', ') || 'no lag series';
        return lags.length > 0 && lags.every((lag) => lag[2] === '0') ? text : undefined;
      },
      60_000,
    );
    expect(identityMetrics).toMatch(
      /^lapse_kafka_consumer_lag_messages\{consumer="[^"]+",topic="lapse\.directory\.[^"]+"\} 0$/m,
    );
    await until('directory to report its relay caught up', async () => {
      const text = await scrape(directory);
      return /^lapse_log_consumer_lag_events\{consumer="[^"]*relay[^"]*"\} 0$/m.test(text) ? text : undefined;
    });
    // The lag comes down within the waits above (60 s and 30 s); jest's 20 s default cut one CI run short.
  }, 100_000);

  it('exposes neither service-to-service routes nor metrics, in the envelope', async () => {
    // Both exist behind the gateway.
    expect(
      (await fetch(`${identity.url}/metrics`, { headers: { authorization: `Bearer ${serviceToken}` } }))
        .status,
    ).toBe(200);
    await expectOktaError(await fetch(`${url}/metrics`), 404, 'E0000007');
    await expectOktaError(
      await fetch(`${url}/internal/v1/sessions/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: 'x' }),
      }),
      404,
      'E0000007',
    );
  });

  it('refuses a body over 64 KB with 413 in the envelope', async () => {
    await expectOktaError(
      await admin('/api/v1/users?activate=true', {
        profile: { login: `big-${suffix}@example.com`, nickName: 'x'.repeat(65 * 1024) },
      }),
      413,
      'LAPSE0002',
    );
  });

  it("refuses a revoked admin token at identity's admin route once identity has consumed the revocation from Kafka", async () => {
    const created = await admin('/api/v1/api-tokens', { name: 'ms helpdesk', role: 'USER_ADMIN' });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const endSessions = () =>
      fetch(`${url}/api/v1/users/00u-no-such-user/sessions`, {
        method: 'DELETE',
        headers: { authorization: `SSWS ${token}`, accept: 'application/json' },
      });
    expect((await endSessions()).status).toBe(204); // identity now caches the positive introspection
    const revoked = await fetch(`${url}/api/v1/api-tokens/${id}`, {
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

  it("answers 503 E0000050 in Okta's envelope through the gateway once the services are down", async () => {
    await expectOktaError(
      await legacySession(`ms-${suffix}@example.com`, 'Correct-Horse-9'),
      503,
      'E0000050',
    );
    await expectOktaError(await adminGet('/api/v1/users'), 503, 'E0000050');
    await expectOktaError(await fetch(`${url}/api/v1/notifier/jwks`), 503, 'E0000050');
  });
});
