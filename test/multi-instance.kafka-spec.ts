import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  expiredInIdentity as expiredIn,
  queryRows,
  type ServiceProcess,
  Topology,
  until,
} from './support/service-processes';

/**
 * Several instances of every service at once, as a deployment runs them: two notifiers, two directories and
 * two identities (one Kafka consumer group), each service's instances sharing its database. A bulk expiry
 * started at one directory is fanned out by both directories' workers (slices claimed with SKIP LOCKED,
 * docs/directory.md), enforced by both identities at once, and one identity is stopped in the middle of the
 * fan-out: the rebalance loses nothing.
 *
 * Size: 100,000 users, as the issue asks: on this 2-core machine the whole spec takes about 1.5 minutes
 * (import 39 s, fan-out 39 s with both directories, enforcement by both identities 1.4 s after the 202;
 * `npm run bench -- multi-instance --users 100000`, which runs this spec and reports those phases), within
 * the ~3 minutes a suite may take. MULTI_INSTANCE_USERS sets another size (e.g. a quick local run).
 */

const USERS = Number(process.env.MULTI_INSTANCE_USERS ?? 100_000);
const PASSWORD = 'Correct-Horse-Multi-5';
const SAMPLES = 20;
/** The longest any one wait may take (bounded: a stuck fan-out or projection fails the spec). */
const LONG_MS = USERS > 10_000 ? 600_000 : 240_000;

describe('two instances of every service', () => {
  const suffix = randomBytes(4).toString('hex');
  let topology: Topology;
  let users: { id: string; login: string }[];
  let samples: { id: string; login: string }[];
  /** Phases, for `npm run bench -- multi-instance` (no assertion is made on them). */
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    topology = await Topology.start({
      brokers: process.env.LAPSE_TEST_KAFKA_BROKERS as string,
      instances: { notifier: 2, directory: 2, identity: 2 },
      // Small batches: the fan-out lasts long enough to stop an identity in its middle, and both workers
      // get slices; polling often, the second directory joins at once.
      env: { directory: { BULK_EXPIRY_BATCH_SIZE: '10', BULK_EXPIRY_POLL_MS: '100' } },
    });
    const seeding = performance.now();
    users = await topology.importUsers(USERS, `multi-${suffix}`, PASSWORD);
    figures.seedSeconds = Math.round((performance.now() - seeding) / 100) / 10;
    samples = users.filter((_, i) => i % Math.floor(USERS / SAMPLES) === 0).slice(0, SAMPLES);
    for (const identity of topology.instances.identity)
      for (const user of samples)
        await until(
          `${identity.label} to sign ${user.login} in`,
          async () =>
            (await topology.signIn(user.login, PASSWORD, identity)).status === 200 ? true : undefined,
          LONG_MS,
        );
  }, LONG_MS + 60_000);

  afterAll(async () => {
    await topology?.close();
    if (process.env.MULTI_INSTANCE_FIGURES)
      await writeFile(process.env.MULTI_INSTANCE_FIGURES, JSON.stringify(figures));
  }, 60_000);

  /** Every sampled user refused by that instance (all at once: the fan-out goes on meanwhile). */
  const refusesAll = async (identity: ServiceProcess) => {
    const answers = await Promise.all(samples.map((user) => topology.signIn(user.login, PASSWORD, identity)));
    expect(answers).toEqual(samples.map(() => ({ status: 401, errorCode: 'E0000064' })));
  };

  it(
    'fans a bulk expiry out once per user across both directories, and both identities enforce it; stopping one identity mid-way loses nothing',
    async () => {
      const started = await topology.admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
        reason: 'multi-instance',
      });
      const accepted = performance.now();
      const since = () => performance.now() - accepted;
      expect(started.status).toBe(202);
      const jobId = started.body.id as string;
      expect(started.body.total).toBe(USERS);

      // The one fact: each identity instance refuses every sampled user, through its own port.
      const [first, second] = topology.instances.identity;
      for (const identity of [first, second])
        await until(`${identity.label} to refuse the first sample`, async () =>
          (await topology.signIn(samples[0].login, PASSWORD, identity)).errorCode === 'E0000064'
            ? true
            : undefined,
        );
      await refusesAll(first);
      await refusesAll(second);
      figures.enforcementMs = Math.round(since());

      // A rebalance in the middle of the fan-out: the second identity stops while the per-user events flow.
      const ids = users.map((user) => user.id);
      const expiredInIdentity = () => expiredIn(topology, ids);
      await until(
        'the fan-out to reach identity',
        async () => ((await expiredInIdentity()) > 0 ? true : undefined),
        60_000,
        50,
      );
      expect(await expiredInIdentity()).toBeLessThan(USERS);
      expect(await second.stop()).toBe(0);

      const job = await until(
        'the job to complete',
        async () => {
          const current = (await topology.admin('GET', `/api/v1/jobs/${jobId}`)).body;
          return current.status === 'COMPLETED' ? current : undefined;
        },
        LONG_MS,
      );
      figures.fanoutSeconds = Math.round(since() / 100) / 10;
      expect(job).toMatchObject({ total: USERS, expired: USERS, skipped: 0 });
      const [events] = await queryRows<{ events: number; users: number }>(
        topology.database('directory'),
        `SELECT count(*)::int AS events, count(DISTINCT stream_id)::int AS users FROM lapse_events
        WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`,
        [jobId],
      );
      expect(events).toEqual({ events: USERS, users: USERS });

      // The remaining identity took over the stopped one's partitions: every user's own expiry is applied.
      await until(
        "every user's expiry in the remaining identity's projection",
        async () => ((await expiredInIdentity()) === USERS ? true : undefined),
        LONG_MS,
      );
      figures.projectedSeconds = Math.round(since() / 100) / 10;
      await refusesAll(first);
      // Nothing else of the topology stopped meanwhile.
      expect(topology.all.filter((instance) => instance !== second).every((instance) => instance.alive)).toBe(
        true,
      );
    },
    LONG_MS * 2,
  );
});
