import { randomBytes } from 'node:crypto';
import { EnvReader, silentLogger } from '@lapse/shared';
import { createDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import type { Microservice } from '@lapse/shared/nest/run-microservice';
import { eventually } from '@lapse/shared/testing/wait-for';
import { Kafka, logLevel } from '@lapse/shared/transport/kafkajs/client';
import { Readable } from 'node:stream';
import { createDirectoryService } from '../apps/directory/src/main';
import { runCli } from '../libs/cli/src/program';

interface Handled {
  readonly event: { userId: string; login: string; cause: string; expiredAt: string };
  readonly envelope: { eventId: string; correlationId?: string; occurredAt?: string };
}

/** examples/password-expired-consumer, loaded as its own service would run it (plain JavaScript, kafkajs). */
const example = require('../examples/password-expired-consumer/consumer.js') as {
  TOPIC: string;
  startPasswordExpiredConsumer(options: {
    brokers: string[];
    groupId: string;
    onPasswordExpired: (event: Handled['event'], envelope: Handled['envelope']) => Promise<void>;
    log?: (line: string) => void;
  }): Promise<{ stop(): Promise<void> }>;
};

/**
 * README "Examples": the PasswordExpired consumer example against directory publishing over the Kafka
 * project's broker: it reads the documented headers and payload, and handles a redelivered event once.
 */
describe('the PasswordExpired consumer example', () => {
  const brokers = (process.env.LAPSE_TEST_KAFKA_BROKERS as string).split(',');
  const adminToken = `00ex${randomBytes(16).toString('hex')}`;
  const handled: Handled[] = [];
  const logged: string[] = [];
  let directory: Microservice;
  let url: string;
  let consumer: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    const admin = process.env.LAPSE_TEST_ADMIN_URL as string;
    const database = `example_directory_${randomBytes(4).toString('hex')}`;
    await createDatabase(admin, database);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    directory = await createDirectoryService(
      new EnvReader({
        TRANSPORT: 'kafka',
        KAFKA_BROKERS: brokers.join(','),
        DATABASE_URL: Object.assign(new URL(admin), { pathname: `/${database}` }).toString(),
        SERVICE_API_TOKEN: randomBytes(24).toString('hex'),
        ADMIN_API_TOKEN: adminToken,
        PUBLIC_URL: url,
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
      }),
      silentLogger,
    );
    await directory.app.listen(port, '127.0.0.1');
    consumer = await example.startPasswordExpiredConsumer({
      brokers,
      groupId: `example.password-expired.${randomBytes(4).toString('hex')}`,
      onPasswordExpired: async (event, envelope) => {
        handled.push({ event, envelope });
      },
      log: (line) => logged.push(line),
    });
  }, 90_000);

  afterAll(async () => {
    await consumer?.stop();
    await directory?.stop();
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `SSWS ${adminToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("receives an admin's expiry once, even when the event is delivered again", async () => {
    const login = `consumer-${randomBytes(4).toString('hex')}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: 'Correct-Horse-7' } },
    });
    expect(created.status).toBe(200);
    const userId = created.body.id as string;
    expect((await admin('POST', `/api/v1/users/${userId}/lifecycle/expire_password`)).status).toBe(200);
    const delivered = await eventually(
      async () => handled.filter(({ event }) => event.login === login),
      (received) => received.length === 1,
      // The consumer's first fetch waits for its group to form: seconds, more on a loaded machine.
      60_000,
    );
    expect(delivered).toHaveLength(1);
    const [first] = delivered;
    expect(first.event).toEqual({ userId, login, cause: 'ADMIN', expiredAt: expect.any(String) });
    expect(first.envelope.eventId).toEqual(expect.any(String));

    // A redelivery of the same event (same event-id), a version this consumer does not read, then a new
    // event, all on the user's partition (its key), so they arrive in this order.
    const kafka = new Kafka({ clientId: 'example-spec', brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const record = (eventId: string, schemaVersion: string) => ({
      key: userId,
      value: JSON.stringify({ ...first.event, cause: 'POLICY' }),
      headers: { 'event-id': eventId, 'event-type': 'PasswordExpired', 'schema-version': schemaVersion },
    });
    const later = `later-${randomBytes(4).toString('hex')}`;
    try {
      await producer.send({
        topic: example.TOPIC,
        messages: [record(first.envelope.eventId, '1'), record('a-future-version', '2'), record(later, '1')],
      });
    } finally {
      await producer.disconnect();
    }
    const mine = await eventually(
      async () => handled.filter(({ event }) => event.login === login),
      (events) => events.some(({ envelope }) => envelope.eventId === later),
      15_000,
    );
    expect(mine.map(({ envelope }) => envelope.eventId)).toEqual([first.envelope.eventId, later]);
    expect(logged).toContain(
      'skipped PasswordExpired a-future-version: schema version 2, this service reads 1',
    );
  }, 90_000);

  it("is printed by the admin CLI's `lapse events tail --json`, one JSON document per line", async () => {
    const login = `tail-${randomBytes(4).toString('hex')}@example.com`;
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: 'Correct-Horse-7' } },
    });
    const userId = created.body.id as string;
    expect((await admin('POST', `/api/v1/users/${userId}/lifecycle/expire_password`)).status).toBe(200);
    let printed = '';
    const stop = new AbortController();
    const tail = runCli(
      ['--json', 'events', 'tail', '--topic', example.TOPIC, '--from-beginning'],
      {
        stdout: {
          write: (text: string) => {
            printed += text;
          },
        },
        stderr: { write: () => true },
        stdin: Readable.from([]),
        env: { KAFKA_BROKERS: brokers.join(',') },
      },
      { signal: stop.signal },
    );
    try {
      // The tail's consumer group forms first: seconds, more on a loaded machine.
      await eventually(
        async () => printed,
        (text) => text.includes(login),
        60_000,
      );
    } finally {
      stop.abort();
    }
    expect(await tail).toBe(0);
    const events = printed
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(
      events.filter((event) => event.payload?.login === login && event.eventType === 'PasswordExpired'),
    ).toEqual([
      expect.objectContaining({
        topic: example.TOPIC,
        key: userId,
        eventId: expect.any(String),
        payload: expect.objectContaining({ userId, login, cause: 'ADMIN' }),
      }),
    ]);
  }, 90_000);
});
