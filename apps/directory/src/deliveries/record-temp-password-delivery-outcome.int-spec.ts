import { headersOf, type ServiceManifest, TOPICS, uuidSource } from '@lapse/shared';
import { NOTIFIER_EVENT_TYPES } from '@lapse/shared/contracts/notifier.v1';
import { Pool } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

/** Stands in for the notifier: its delivery outcome events, published from its (here shared) log. */
const fakeNotifier: ServiceManifest = {
  name: 'notifier',
  migrations: [],
  publications: [
    (event) =>
      event.streamId.startsWith('fakedelivery-')
        ? [
            {
              topic: TOPICS.notifierDeliveries,
              key: (event.data as { userId: string }).userId,
              headers: headersOf(event),
              payload: event.data,
            },
          ]
        : [],
  ],
  publishedTopics: [TOPICS.notifierDeliveries],
};

describe('recording the notifier delivery outcome', () => {
  let lapse: DirectoryTestApp;
  let pool: Pool;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ alongside: [fakeNotifier] });
    pool = new Pool({ connectionString: lapse.databaseUrl });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
  });
  afterAll(async () => {
    await pool.end();
    await lapse.close();
  });

  async function notifierSays(type: string, data: object) {
    await pool.query(
      `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
       VALUES ($1, 'fakedelivery', 1, $2, $3, 1, $4, $5)`,
      [
        `fakedelivery-${uuidSource.next()}`,
        uuidSource.next(),
        type,
        JSON.stringify(data),
        JSON.stringify({
          eventId: uuidSource.next(),
          correlationId: 'corr-delivery',
          causationId: null,
          actor: 'service:notifier',
          occurredAt: new Date().toISOString(),
        }),
      ],
    );
    await pool.query("SELECT pg_notify('lapse_events', '')");
  }

  async function issueTemporaryPassword(login: string) {
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: 'Initial1pass' } },
    });
    await admin('POST', `/api/v1/users/${created.body.id}/lifecycle/expire_password_with_temp_password`);
    const user = await admin('GET', `/api/v1/users/${created.body.id}`);
    const { rows } = await pool.query(
      "SELECT data->>'deliveryId' AS id FROM lapse_events WHERE stream_id = $1 AND type = 'TemporaryPasswordIssued'",
      [`user-${created.body.id}`],
    );
    return { userId: created.body.id as string, deliveryId: rows[0].id as string, before: user.body };
  }

  async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('condition not reached');
  }

  it('shows DELIVERED with the channel on the user and in the audit log', async () => {
    const { userId, deliveryId, before } = await issueTemporaryPassword('delivered@example.com');
    expect(before.credentials.password.tempPasswordDelivery).toMatchObject({
      status: 'REQUESTED',
      channel: 'AUTO',
    });
    await notifierSays(NOTIFIER_EVENT_TYPES.TemporaryPasswordDelivered, {
      deliveryId,
      userId,
      channel: 'EMAIL',
      deliveredAt: new Date().toISOString(),
    });
    const user = await eventually(
      async () => (await admin('GET', `/api/v1/users/${userId}`)).body,
      (body) => body.credentials.password.tempPasswordDelivery.status === 'DELIVERED',
    );
    expect(user.credentials.password.tempPasswordDelivery).toMatchObject({
      status: 'DELIVERED',
      channel: 'EMAIL',
      reason: null,
    });
    const audit = await admin(
      'GET',
      `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "system.temp_password.delivery" and target.id eq "${userId}"`)}`,
    );
    expect(audit.body[0]).toMatchObject({
      outcome: { result: 'SUCCESS' },
      transaction: { id: 'corr-delivery' },
    });
  });

  it('shows FAILED with the reason when the notifier could not deliver', async () => {
    const { userId, deliveryId } = await issueTemporaryPassword('undeliverable@example.com');
    await notifierSays(NOTIFIER_EVENT_TYPES.TemporaryPasswordDeliveryFailed, {
      deliveryId,
      userId,
      channel: null,
      reason: 'NO_CHANNEL',
      attempts: 1,
      failedAt: new Date().toISOString(),
    });
    const user = await eventually(
      async () => (await admin('GET', `/api/v1/users/${userId}`)).body,
      (body) => body.credentials.password.tempPasswordDelivery.status === 'FAILED',
    );
    expect(user.credentials.password.tempPasswordDelivery).toMatchObject({
      status: 'FAILED',
      reason: 'NO_CHANNEL',
    });
  });
});
