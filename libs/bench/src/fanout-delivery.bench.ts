import { randomUUID } from 'node:crypto';
import { publishedContracts } from '@lapse/shared/contracts/registry';
import { runMigrations } from '@lapse/shared/database/migrate';
import { createPool } from '@lapse/shared/database/pg';
import { InboxConsumer } from '@lapse/shared/messaging/inbox-consumer';
import { KafkaTransport } from '@lapse/shared/transport/kafka.transport';
import { LogNotifications } from '@lapse/shared/transport/log-notifications';
import type { Pool } from 'pg';
import {
  DIRECTORY_PUBLISHED_TOPICS,
  directoryPublication,
} from '../../../apps/directory/src/directory.publication';
import {
  CREDENTIAL_PROJECTION_CONSUMER,
  credentialProjectionHandlers,
} from '../../../apps/identity/src/credential-projection/credential.projection';
import { PROJECTION_TOPICS } from '../../../apps/identity/src/credential-projection/projection-lag.monitor';
import { identityManifest } from '../../../apps/identity/src/identity.manifest';
import type { BenchArgs } from './cli';
import type { BenchFlags } from './flags';
import { kafkaBrokerCpuSeconds, postgresCpuSeconds, postmasterPid, round, startBenchInfra } from './infra';

/**
 * `npm run bench -- fanout-delivery [--events N] [--json FILE]` (Kafka): what delivering a bulk expiry's
 * per-user events costs, each side alone, so the figures are not blurred by the fan-out they compete with
 * (issue #3). `--events` (default 100,000) bulk `PasswordExpired` events are written straight into a
 * directory event log, and identity's database holds the N users they expire; then
 * - relay: directory's relay (its real publication) produces the backlog to Kafka, until its checkpoint
 *   reaches the end;
 * - consumer: identity's credential-projection consumer (its real handlers, inbox and dead letter)
 *   applies it, until every event committed.
 * For each: `eventsPerSec` (consumer: first to last commit, without the group join), and CPU per event
 * (`nodeCpuUsPerEvent`: this process, all threads; `postgresCpuUsPerEvent`: every PostgreSQL process of the
 * server; `brokerCpuUsPerEvent`: the Kafka broker's JVM; from /proc).
 */
export const summary = "what relaying and consuming a bulk expiry's per-user events costs (Kafka)";

/** The flags described above (`npm run bench -- --help` prints them; any other is refused). */
export const flags: BenchFlags = {
  events: {
    value: 'N',
    default: '100000',
    description: 'PasswordExpired events written to the log and delivered',
  },
};

export async function run(args: BenchArgs): Promise<object> {
  const events = Number(args.events ?? 100_000);
  const infra = await startBenchInfra();
  try {
    const brokers = await infra.kafka();
    const directoryUrl = await infra.database('bench_fanout_directory');
    await runMigrations(directoryUrl, []);
    const identityUrl = await infra.database('bench_fanout_identity');
    await runMigrations(identityUrl, identityManifest.migrations);
    const directory = createPool(directoryUrl, 10);
    const identity = createPool(identityUrl, 10);
    try {
      const postmaster = await postmasterPid(directory);
      await seed(directory, identity, events);

      const relayed = await measure(postmaster, () => relay(directory, directoryUrl, brokers));
      const consumed = await measure(postmaster, () => consume(identity, brokers, events));
      const { rows } = await identity.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM identity_credentials
          WHERE status = 'PASSWORD_EXPIRED' AND password_expired AND credential_version = 2`,
      );
      const figures = (spent: Spent, seconds: number, count: number) => ({
        eventsPerSec: Math.round(count / seconds),
        nodeCpuUsPerEvent: round((spent.nodeSeconds * 1e6) / events, 1),
        postgresCpuUsPerEvent: round((spent.postgresSeconds * 1e6) / events, 1),
        brokerCpuUsPerEvent: round((spent.brokerSeconds * 1e6) / events, 1),
      });
      return {
        transport: 'kafka',
        events,
        relay: figures(relayed.spent, relayed.result, events),
        consumer: figures(consumed.spent, consumed.result.seconds, consumed.result.counted),
        usersExpiredInIdentity: rows[0].n,
        cores: (await import('node:os')).cpus().length,
      };
    } finally {
      await directory.end();
      await identity.end();
    }
  } finally {
    await infra.close();
  }
}

/** N users in identity, and a bulk PasswordExpired (version 2, carrying the credential change) for each. */
async function seed(directory: Pool, identity: Pool, events: number): Promise<void> {
  const jobId = randomUUID();
  for (let start = 0; start < events; start += 5000) {
    const users = Array.from({ length: Math.min(5000, events - start) }, () => `00u${randomUUID()}`);
    await identity.query(
      `INSERT INTO identity_credentials (user_id, login, login_normalized, provider_type, provider_name, status,
         credential_version, password_hash, password_changed_at, password_expired, changed_at)
       SELECT u, u || '@bench.example', u || '@bench.example', 'OKTA', 'OKTA', 'ACTIVE', 1, '$argon2id$bench', now() - interval '1 day',
              false, now() - interval '1 day'
         FROM unnest($1::text[]) AS u`,
      [users],
    );
    await directory.query(
      `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
       SELECT 'user-' || u, 'user', 2, e::uuid, 'PasswordExpired', 1,
              jsonb_build_object('login', u || '@bench.example', 'provider', '{"type":"OKTA","name":"OKTA"}'::jsonb,
                'cause', 'BULK', 'jobId', $2::text, 'reason', 'benchmark', 'expiredAt', now(),
                'credentialStatus', 'PASSWORD_EXPIRED'),
              jsonb_build_object('eventId', e, 'correlationId', $2::text, 'causationId', $2::text,
                'actor', 'bench-admin', 'occurredAt', now())
         FROM (SELECT u, gen_random_uuid()::text AS e FROM unnest($1::text[]) AS u) AS users`,
      [users, jobId],
    );
  }
  await identity.query('VACUUM ANALYZE identity_credentials');
}

/** Relays the whole log to Kafka; resolves with the seconds it took. */
async function relay(pool: Pool, url: string, brokers: string[]): Promise<number> {
  const transport = new KafkaTransport({ brokers, clientId: 'bench-fanout-relay' });
  const notifications = new LogNotifications(url);
  await transport.ensureTopics(DIRECTORY_PUBLISHED_TOPICS);
  const { rows } = await pool.query<{ last: string }>(
    'SELECT max(global_position)::text AS last FROM lapse_events',
  );
  const started = performance.now();
  try {
    await transport.startRelay({
      name: 'directory.relay',
      pool,
      notifications,
      publication: directoryPublication,
      topics: DIRECTORY_PUBLISHED_TOPICS,
    });
    // The checkpoint is written behind the acknowledgements, so its end is the end of the relay's work.
    for (;;) {
      const { rows: at } = await pool.query<{ position: string }>(
        `SELECT position FROM lapse_checkpoints WHERE consumer = 'directory.relay'`,
      );
      if (at[0]?.position.endsWith(`:${rows[0].last}`)) return (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await transport.close();
    await notifications.close();
  }
}

/** Consumes the backlog as identity does; the rate runs from the first commit to the last. */
async function consume(
  pool: Pool,
  brokers: string[],
  events: number,
): Promise<{ seconds: number; counted: number }> {
  const transport = new KafkaTransport({ brokers, clientId: 'bench-fanout-identity' });
  let committed = 0;
  let firstAt = 0;
  let firstCount = 0;
  let finish: (seconds: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  try {
    await transport.subscribe(
      new InboxConsumer({
        name: CREDENTIAL_PROJECTION_CONSUMER,
        pool,
        contracts: publishedContracts(),
        handlers: credentialProjectionHandlers(),
        deadLetters: transport.deadLetterSink(),
        onCommitted: (messages) => {
          if (committed === 0) {
            firstAt = performance.now();
            firstCount = messages.length;
          }
          committed += messages.length;
          if (committed >= events) finish((performance.now() - firstAt) / 1000);
        },
      }),
      PROJECTION_TOPICS,
    );
    const seconds = await finished;
    return { seconds, counted: events - firstCount };
  } finally {
    await transport.close();
  }
}

interface Spent {
  readonly nodeSeconds: number;
  readonly postgresSeconds: number;
  readonly brokerSeconds: number;
}

async function measure<T>(postmaster: number, work: () => Promise<T>): Promise<{ result: T; spent: Spent }> {
  const node = process.cpuUsage();
  const postgres = await postgresCpuSeconds(postmaster);
  const broker = await kafkaBrokerCpuSeconds();
  const result = await work();
  const used = process.cpuUsage(node);
  return {
    result,
    spent: {
      nodeSeconds: (used.user + used.system) / 1e6,
      postgresSeconds: (await postgresCpuSeconds(postmaster)) - postgres,
      brokerSeconds: (await kafkaBrokerCpuSeconds()) - broker,
    },
  };
}
