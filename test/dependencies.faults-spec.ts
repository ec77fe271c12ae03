import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import { MaildevCaptureServer } from '../apps/notifier/src/mail-capture/maildev-capture-server';
import { countOf, PostgresProcess, queryRows, Topology, until } from './support/service-processes';

/**
 * The services' own dependencies failing under them: the mail relay (down, then back) and PostgreSQL
 * (restarted under all three services). This spec runs its own PostgreSQL server (the test run's is shared by
 * every spec) and its own mail capture server, so it can stop and start them; Kafka is the faults project's.
 */

const PASSWORD = 'Correct-Horse-Deps-4';
const MAX_ATTEMPTS = 4;

describe("the services' dependencies failing", () => {
  const suffix = randomBytes(4).toString('hex');
  let pgDir: string;
  let postgres: PostgresProcess;
  let topology: Topology;
  let mail: MaildevCaptureServer | undefined;
  let smtpPort: number;
  let webPort: number;

  const startMail = async () => {
    mail = await MaildevCaptureServer.start({ smtpPort, webPort });
  };

  beforeAll(async () => {
    pgDir = await mkdtemp(join(tmpdir(), 'lapse-faults-pg-'));
    postgres = new PostgresProcess(pgDir, await freePort());
    await postgres.start();
    [smtpPort, webPort] = [await freePort(), await freePort()];
    topology = await Topology.start({
      brokers: process.env.LAPSE_TEST_KAFKA_BROKERS as string,
      adminUrl: postgres.url(),
      smtpPort,
      instances: { notifier: 1, directory: 1, identity: 1 },
      env: {
        notifier: {
          DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          DELIVERY_RETRY_BASE_MS: '200',
          DELIVERY_RETRY_MAX_MS: '1000',
        },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await topology?.close();
    await mail?.stop();
    await postgres?.stop();
    if (pgDir) await rm(pgDir, { recursive: true, force: true });
  }, 60_000);

  async function newUser(name: string): Promise<{ id: string; login: string }> {
    const login = `${name}-${randomBytes(3).toString('hex')}-${suffix}@example.com`;
    const created = await topology.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Dee', lastName: 'Pendency' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    return { id: created.body.id as string, login };
  }

  /** Directory's record of a temporary password's delivery, from the notifier's outcome event. */
  const deliveryOf = async (userId: string) =>
    (
      await queryRows<{ status: string; reason: string | null; attempts: number | null }>(
        topology.database('directory'),
        'SELECT status, reason, attempts FROM directory_temp_password_deliveries WHERE user_id = $1',
        [userId],
      )
    )[0];

  /** The notifier has the user's contact (from UserCreated), so a delivery to them has an address. */
  const notifierKnows = (userId: string) =>
    until(
      'the notifier to know the user',
      async () =>
        (await countOf(
          topology.database('notifier'),
          'SELECT count(*) FROM notifier_contacts WHERE user_id = $1',
          [userId],
        )) === 1
          ? true
          : undefined,
      60_000,
    );

  const tempPassword = (userId: string) =>
    topology.admin(
      'POST',
      `/api/v1/users/${userId}/lifecycle/expire_password_with_temp_password?deliver=email`,
    );

  it('SMTP down: retries with backoff, then TemporaryPasswordDeliveryFailed; SMTP back: later deliveries go out, each once', async () => {
    // No mail relay listens on the notifier's SMTP port yet.
    const unlucky = await newUser('smtp-down');
    await notifierKnows(unlucky.id);
    expect((await tempPassword(unlucky.id)).status).toBe(200);
    const failed = await until(
      'directory to record the failed delivery',
      async () => {
        const outcome = await deliveryOf(unlucky.id);
        return outcome && outcome.status !== 'REQUESTED' ? outcome : undefined;
      },
      60_000,
    );
    expect(failed).toEqual({ status: 'FAILED', reason: 'SMTP_FAILED', attempts: MAX_ATTEMPTS });
    const [job] = await queryRows<{ status: string; attempts: number }>(
      topology.database('notifier'),
      'SELECT status, attempts FROM notifier_delivery_jobs WHERE user_id = $1',
      [unlucky.id],
    );
    expect(job).toEqual({ status: 'FAILED', attempts: MAX_ATTEMPTS });

    await startMail();
    const lucky = await newUser('smtp-back');
    await notifierKnows(lucky.id);
    const answer = await tempPassword(lucky.id);
    expect(answer.status).toBe(200);
    const [email] = await (mail as MaildevCaptureServer).waitForEmails(1, lucky.login, 30_000);
    expect(email.text).toContain(answer.body.tempPassword as string);
    const delivered = await until(
      'directory to record the delivery',
      async () => {
        const outcome = await deliveryOf(lucky.id);
        return outcome?.status === 'DELIVERED' ? outcome : undefined;
      },
      60_000,
    );
    expect(delivered.status).toBe('DELIVERED');
    // The delivery is settled (SENT, final): one email to the user, none to the first one (given up on).
    const emails = await (mail as MaildevCaptureServer).emails();
    expect(emails.filter((e) => e.to.some((to) => to.address === lucky.login))).toHaveLength(1);
    expect(emails.filter((e) => e.to.some((to) => to.address === unlucky.login))).toHaveLength(0);
  }, 120_000);

  it('PostgreSQL restarted under every service: each reconnects and carries on without a restart', async () => {
    if (!mail) await startMail();
    const before = await newUser('pg-before');
    await until('identity to sign the user in', async () =>
      (await topology.signIn(before.login, PASSWORD)).status === 200 ? true : undefined,
    );
    const pids = topology.all.map((instance) => instance.child.pid);

    await postgres.stop();
    for (const instance of topology.all)
      await until(
        `${instance.label} to notice its database is gone (readiness 503, or no answer in 5 s)`,
        async () =>
          (await instance.readiness().catch(() => ({ status: 0 }))).status !== 200 ? true : undefined,
        15_000,
        100,
      );
    await postgres.start();

    for (const instance of topology.all) {
      // What the instance last said, for the failure message (a CI run once timed out here with no clue).
      let last = 'no answer yet';
      await until(
        () => `${instance.label} to be ready again (its last readiness answer: ${last})`,
        async () => {
          const answer = await instance
            .readiness()
            .catch((error: Error) => ({ status: 0, body: { error: error.message } }));
          last = `${answer.status} ${JSON.stringify(answer.body)}`;
          return answer.status === 200 ? true : undefined;
        },
        90_000,
      );
    }
    expect(topology.all.map((instance) => instance.child.pid)).toEqual(pids);
    expect(topology.all.every((instance) => instance.alive)).toBe(true);

    // Each carries on: directory takes a new user, identity learns it and signs it in, the notifier delivers.
    const after = await newUser('pg-after');
    await until(
      'identity to sign the new user in',
      async () => ((await topology.signIn(after.login, PASSWORD)).status === 200 ? true : undefined),
      60_000,
    );
    expect((await topology.signIn(before.login, PASSWORD)).status).toBe(200);
    await notifierKnows(after.id);
    const answer = await tempPassword(after.id);
    expect(answer.status).toBe(200);
    const [email] = await (mail as MaildevCaptureServer).waitForEmails(1, after.login, 30_000);
    expect(email.text).toContain(answer.body.tempPassword as string);
  }, 180_000);
});
