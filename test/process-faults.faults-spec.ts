import { randomBytes } from 'node:crypto';
import { TOPICS } from '@lapse/shared';
import { Kafka, logLevel } from '@lapse/shared/transport/kafkajs/client';
import {
  countOf,
  expiredInIdentity as expiredIn,
  queryRows,
  type ServiceProcess,
  Topology,
  until,
} from './support/service-processes';

/**
 * Services killed with `kill -9` in the middle of their work and started again on the same database, and
 * an event delivered twice. Directory and identity as separate processes from their built entry points, on
 * the faults project's own Kafka broker.
 */

const PASSWORD = 'Correct-Horse-Faults-3';
/** Enough users and small enough batches that the fan-out is still running when the test kills a process. */
const USERS = 2000;
const BATCH = '20';

describe('processes killed mid-work', () => {
  const suffix = randomBytes(4).toString('hex');
  let topology: Topology;

  beforeAll(async () => {
    topology = await Topology.start({
      brokers: process.env.LAPSE_TEST_KAFKA_BROKERS as string,
      instances: { directory: 1, identity: 1 },
      env: { directory: { BULK_EXPIRY_BATCH_SIZE: BATCH } },
    });
  }, 180_000);

  afterAll(async () => {
    await topology?.close();
  }, 60_000);

  const jobOf = async (jobId: string) =>
    (await topology.admin('GET', `/api/v1/jobs/${jobId}`)).body as {
      status: string;
      total: number;
      expired: number;
      skipped: number;
    };

  /** The job's per-user events: how many, and for how many distinct users. */
  const fanOutOf = async (jobId: string) => {
    const [row] = await queryRows<{ events: number; users: number }>(
      topology.database('directory'),
      `SELECT count(*)::int AS events, count(DISTINCT stream_id)::int AS users FROM lapse_events
        WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`,
      [jobId],
    );
    return row;
  };

  /** Imports users, waits until identity signs the sampled ones in, starts a bulk expiry of them. */
  async function bulkExpiryOf(prefix: string) {
    const users = await topology.importUsers(USERS, `${prefix}-${suffix}`, PASSWORD);
    const samples = users.filter((_, i) => i % Math.floor(USERS / 20) === 0);
    for (const user of samples)
      await until(
        `identity to sign ${user.login} in`,
        async () => ((await topology.signIn(user.login, PASSWORD)).status === 200 ? true : undefined),
        60_000,
      );
    const started = await topology.admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
      reason: prefix,
    });
    expect(started.status).toBe(202);
    return { users, samples, jobId: started.body.id as string };
  }

  async function refusedEverywhere(samples: { login: string }[], at: ServiceProcess = topology.identity) {
    for (const user of samples)
      expect(await topology.signIn(user.login, PASSWORD, at)).toEqual({ status: 401, errorCode: 'E0000064' });
  }

  it('kill -9 directory mid fan-out, start it again: the job completes with exactly one PasswordExpired per user', async () => {
    const { users, samples, jobId } = await bulkExpiryOf('dirkill');
    // Mid fan-out: some users expired, not all.
    await until(
      'the fan-out to begin',
      async () => ((await fanOutOf(jobId)).events > 0 ? true : undefined),
      30_000,
      20,
    );
    await topology.directory.kill9();
    const atKill = await fanOutOf(jobId);
    const [{ status }] = await queryRows<{ status: string }>(
      topology.database('directory'),
      'SELECT status FROM directory_bulk_jobs WHERE id = $1',
      [jobId],
    );
    expect(status).toBe('RUNNING');
    expect(atKill.events).toBeLessThan(users.length);

    await topology.directory.restart();
    const job = await until(
      'the job to complete after the restart',
      async () => {
        const current = await jobOf(jobId);
        return current.status === 'COMPLETED' ? current : undefined;
      },
      120_000,
    );
    const after = await fanOutOf(jobId);
    expect(after).toEqual({ events: users.length, users: users.length });
    expect(job).toMatchObject({
      status: 'COMPLETED',
      total: users.length,
      expired: users.length,
      skipped: 0,
    });
    await refusedEverywhere(samples);
  }, 300_000);

  it('kill -9 identity while it consumes the fan-out: after the restart every expired user is refused', async () => {
    const { users, samples, jobId } = await bulkExpiryOf('idkill');
    const ids = users.map((user) => user.id);
    const expiredInIdentity = () => expiredIn(topology, ids);
    // While it consumes: some of the per-user events applied, not all.
    await until(
      'identity to be consuming the fan-out',
      async () => ((await expiredInIdentity()) > 0 ? true : undefined),
      60_000,
      20,
    );
    expect(await expiredInIdentity()).toBeLessThan(users.length);
    await topology.identity.kill9();

    await topology.identity.restart();
    await refusedEverywhere(samples);
    await until(
      'the job to complete',
      async () => ((await jobOf(jobId)).status === 'COMPLETED' ? true : undefined),
      120_000,
    );
    // Nothing the consumer had not committed when it died is lost: every user's expiry is in the projection.
    await until(
      "every user's expiry in identity's projection",
      async () => ((await expiredInIdentity()) === users.length ? true : undefined),
      120_000,
    );
    await refusedEverywhere(samples);
  }, 300_000);

  it('the same event delivered twice has one effect: one System Log entry', async () => {
    const login = `twice-${suffix}@example.com`;
    const created = await topology.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    const userId = created.body.id as string;
    await until('a session for the user', async () =>
      (await topology.signIn(login, PASSWORD)).status === 200 ? true : undefined,
    );
    const filter = encodeURIComponent(`eventType eq "user.session.start" and target.id eq "${userId}"`);
    const logged = async () => {
      const answer = await topology.admin('GET', `/api/v1/logs?filter=${filter}`);
      return (answer.body as unknown as unknown[]).length;
    };
    await until('the sign-in in the System Log', async () => ((await logged()) >= 1 ? true : undefined));
    const before = await logged();

    // The real record identity published for that sign-in, produced again as it was (same event-id header).
    const kafka = new Kafka({
      brokers: (process.env.LAPSE_TEST_KAFKA_BROKERS as string).split(','),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `twice-${suffix}` });
    const producer = kafka.producer();
    let record: { key: Buffer; value: Buffer; headers: Record<string, Buffer> } | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPICS.identitySessions, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (
            message.key?.toString() === userId &&
            message.headers?.['event-type']?.toString() === 'SignInAttempted'
          )
            record ??= {
              key: message.key,
              value: message.value as Buffer,
              headers: message.headers as Record<string, Buffer>,
            };
        },
      });
      const original = await until('the sign-in record on the topic', async () => record);
      await producer.connect();
      await producer.send({ topic: TOPICS.identitySessions, messages: [original] });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
    const eventId = record?.headers['event-id']?.toString();
    expect(eventId).toBeTruthy();

    // A later sign-in of the same user (same key, so the same partition, after the copy): once it is logged,
    // the copy before it has been consumed too.
    await new Promise((resolve) => setTimeout(resolve, 300)); // the per-username sign-in limit (4/s)
    expect((await topology.signIn(login, PASSWORD)).status).toBe(200);
    await until('the later sign-in in the System Log', async () =>
      (await logged()) >= before + 1 ? true : undefined,
    );
    expect(await logged()).toBe(before + 1);
    expect(
      await countOf(topology.database('directory'), 'SELECT count(*) FROM lapse_inbox WHERE event_id = $1', [
        eventId,
      ]),
    ).toBe(1);
  }, 120_000);
});
