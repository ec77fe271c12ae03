import { randomBytes, randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { Kafka, logLevel } from './kafkajs/client';
import type { Pool } from 'pg';
import { createPool } from '../database/pg';
import { PostgresEventStore } from '../event-store/event-store';
import { ContractRegistry } from '../messaging/contract-registry';
import { listDeadLetters, TableDeadLetterSink } from '../messaging/dead-letter';
import { InboxConsumer } from '../messaging/inbox-consumer';
import { headersOf } from '../messaging/message';
import { metadata, transportContract } from '../testing/transport-contract';
import { createTestDatabase } from '../testing/test-database';
import { waitFor } from '../testing/wait-for';
import { startTracing } from '../tracing/tracing';
import { DEAD_LETTER_TOPIC, KafkaTransport } from './kafka.transport';
import { LogNotifications } from './log-notifications';

const brokers = () => (process.env.LAPSE_TEST_KAFKA_BROKERS ?? '').split(',').filter(Boolean);

transportContract({
  kind: 'kafka',
  async open({ publisher, publication, topic }) {
    const notifications = new LogNotifications(publisher.url);
    const transport = new KafkaTransport({
      brokers: brokers(),
      clientId: `contract-${randomUUID().slice(0, 8)}`,
      partitions: 6,
    });
    const relay = await transport.startRelay({
      name: `relay.${topic}`,
      pool: publisher.pool,
      notifications,
      publication,
      topics: [topic],
      pollIntervalMs: 200,
    });
    return {
      kind: transport.kind,
      subscribe: (consumer, topics) => transport.subscribe(consumer, topics),
      whenPublished: (position, timeoutMs) => transport.whenPublished(position, timeoutMs),
      deadLetterSink: () => transport.deadLetterSink(),
      stopPublishing: () => relay.stop(),
      async close() {
        await transport.close();
        await notifications.close();
      },
    };
  },
  // Microservices mode: the consumer keeps its inbox and effects in its own database.
  consumerDatabase: () => createTestDatabase([], 'consumer'),
  deadLetterSink: (transport) =>
    (
      transport as unknown as { deadLetterSink(): ReturnType<KafkaTransport['deadLetterSink']> }
    ).deadLetterSink(),
  async rewind(consumerName, topic, pool) {
    const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.resetOffsets({ groupId: consumerName, topic, earliest: true });
    } finally {
      await admin.disconnect();
    }
    await pool.query('DELETE FROM lapse_checkpoints WHERE consumer = $1', [consumerName]);
  },
  async injectMalformed({ topic }, cases) {
    const transport = new KafkaTransport({ brokers: brokers(), clientId: 'contract-malformed' });
    const headers = (type: string, version: string) => ({
      'event-id': randomUUID(),
      'event-type': type,
      'schema-version': version,
      'correlation-id': randomUUID(),
    });
    try {
      await transport.produceRaw(topic, cases.unknownType, '{"seq":1}', headers('NeverHeardOf', '1'));
      await transport.produceRaw(topic, cases.unknownVersion, '{"seq":1}', headers('Counted', '99'));
      await transport.produceRaw(topic, cases.invalidJson, '{"seq": ', headers('Counted', '1'));
    } finally {
      await transport.close();
    }
    return { invalidJsonInjected: true };
  },
});

/** A relay publishing every event of `store`'s log to `topic` as is. */
function relayToTopic(
  transport: KafkaTransport,
  topic: string,
  publisher: { pool: Pool; store: PostgresEventStore; notifications: LogNotifications },
) {
  return transport.startRelay({
    name: `relay.${topic}`,
    ...publisher,
    publication: (event) => [{ topic, key: event.streamId, headers: headersOf(event), payload: event.data }],
    topics: [topic],
  });
}

describe('the Kafka relay and consumer on a graceful stop', () => {
  it('leaves the relay checkpoint at the last event produced, and the consumer offsets at the end of what it applied', async () => {
    const publisherUrl = await createTestDatabase([], 'pub_stop');
    const publisherPool = createPool(publisherUrl, 10);
    const consumerPool = createPool(await createTestDatabase([], 'con_stop'), 10);
    const store = new PostgresEventStore(publisherPool);
    const notifications = new LogNotifications(publisherUrl);
    const topic = `test.stop.${randomUUID().slice(0, 8)}`;
    const consumerName = `c-${randomUUID()}`;
    const transport = new KafkaTransport({ brokers: brokers(), clientId: 'stop-spec', partitions: 3 });
    const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    let applied = 0;
    try {
      const relay = await relayToTopic(transport, topic, { pool: publisherPool, store, notifications });
      await transport.subscribe(
        new InboxConsumer({
          name: consumerName,
          pool: consumerPool,
          contracts: new ContractRegistry().register('Counted', 1),
          handlers: {
            Counted: async () => {
              applied++;
            },
          },
          deadLetters: new TableDeadLetterSink(),
        }),
        [topic],
      );
      for (let stream = 0; stream < 30; stream++) {
        await store.append(`counter-${randomUUID()}`, 0, [
          { event: { type: 'Counted', schemaVersion: 1, data: { seq: 1 } }, metadata: metadata() },
          { event: { type: 'Counted', schemaVersion: 1, data: { seq: 2 } }, metadata: metadata() },
        ]);
      }
      await waitFor('60 applied messages', async () => applied >= 60);
      await relay.stop();
      await transport.close();

      const head = await store.headPosition();
      const { rows } = await publisherPool.query<{ position: string }>(
        'SELECT position FROM lapse_checkpoints WHERE consumer = $1',
        [`relay.${topic}`],
      );
      expect(rows[0]?.position).toBe(`${head?.transactionId}:${head?.globalPosition}`);

      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: consumerName, topics: [topic] });
      const committedOf = (partition: number) =>
        committed.partitions.find((p) => p.partition === partition)?.offset;
      for (const end of ends) expect(committedOf(end.partition)).toBe(end.high);
    } finally {
      await transport.close();
      await admin.disconnect();
      await notifications.close();
      await publisherPool.end();
      await consumerPool.end();
    }
  }, 120_000);
});

describe('publication of the log by the relay', () => {
  it('tells when what was appended is on the topic, and after a timeout that it is not yet', async () => {
    const publisherUrl = await createTestDatabase([], 'pub_published');
    const publisherPool = createPool(publisherUrl, 10);
    const store = new PostgresEventStore(publisherPool);
    const notifications = new LogNotifications(publisherUrl);
    const topic = `test.published.${randomUUID().slice(0, 8)}`;
    const transport = new KafkaTransport({ brokers: brokers(), clientId: 'published-spec', partitions: 3 });
    const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
    const onTopic = async () =>
      (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
    const counted = () => ({
      event: { type: 'Counted', schemaVersion: 1, data: { seq: 1 } },
      metadata: metadata(),
    });
    try {
      await admin.connect();
      // Without a relay in the process nothing waits.
      const [first] = await store.append(`counter-${randomUUID()}`, 0, [counted()]);
      expect(await transport.whenPublished(first, 1)).toBe(true);

      const relay = await relayToTopic(transport, topic, { pool: publisherPool, store, notifications });
      const [second] = await store.append(`counter-${randomUUID()}`, 0, [counted()]);
      expect(await transport.whenPublished(second, 30_000)).toBe(true);
      expect(await onTopic()).toBe(2);

      // A transaction left open holds the relay before the next event: its publication times out.
      const holder = await publisherPool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_current_xact_id()');
        const [third] = await store.append(`counter-${randomUUID()}`, 0, [counted()]);
        expect(await transport.whenPublished(third, 300)).toBe(false);
        expect(await onTopic()).toBe(2);
        await holder.query('COMMIT');
        expect(await transport.whenPublished(third, 30_000)).toBe(true);
        expect(await onTopic()).toBe(3);
      } finally {
        holder.release();
      }
      await relay.stop();
    } finally {
      await transport.close();
      await admin.disconnect();
      await notifications.close();
      await publisherPool.end();
    }
  }, 120_000);
});

describe('Kafka topics at start', () => {
  it('are ready on every partition for each of several services that create the same new topics at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      const topics = [0, 1, 2].map(() => `lapse.race.${randomUUID().slice(0, 8)}`);
      const services = [0, 1, 2, 3].map(
        (i) => new KafkaTransport({ brokers: brokers(), clientId: `race-${round}-${i}`, partitions: 6 }),
      );
      // Each service asks for the topics in another order, as directory, identity and notifier do.
      await Promise.all(
        services.map((service, i) =>
          service.ensureTopics([...topics.slice(i % 3), ...topics.slice(0, i % 3)]),
        ),
      );
      const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        for (const topic of topics) expect(await admin.fetchTopicOffsets(topic)).toHaveLength(6);
      } finally {
        await admin.disconnect();
      }
      await Promise.all(services.map((service) => service.close()));
    }
  });
});

describe('dead letters in Kafka mode', () => {
  it("parks a malformed message in the consumer's table and copies it to the dead-letter topic with its reason", async () => {
    const consumerPool = createPool(await createTestDatabase([], 'con_dead_letter'), 10);
    const topic = `test.dead-letter.${randomUUID().slice(0, 8)}`;
    const consumerName = `c-${randomUUID()}`;
    const transport = new KafkaTransport({ brokers: brokers(), clientId: 'dead-letter-spec', partitions: 3 });
    const reader = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).consumer({
      groupId: `dead-letter-reader-${randomUUID()}`,
    });
    const copies: { value: string; headers: Record<string, string> }[] = [];
    try {
      await transport.subscribe(
        new InboxConsumer({
          name: consumerName,
          pool: consumerPool,
          contracts: new ContractRegistry().register('Counted', 1),
          handlers: { Counted: async () => undefined },
          deadLetters: transport.deadLetterSink(),
        }),
        [topic],
      );
      await transport.produceRaw(topic, 'counter-1', '{"seq": ', {
        'event-id': randomUUID(),
        'event-type': 'Counted',
        'schema-version': '1',
        'correlation-id': randomUUID(),
      });
      await waitFor(
        'the letter in the table',
        async () => (await listDeadLetters(consumerPool, consumerName)).length > 0,
      );

      await reader.connect();
      await reader.subscribe({ topic: DEAD_LETTER_TOPIC, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          );
          if (headers['original-topic'] === topic) copies.push({ value: String(message.value), headers });
        },
      });
      await waitFor('the copy on the dead-letter topic', () => copies.length > 0);
      expect(copies).toEqual([
        {
          value: '{"seq": ',
          headers: expect.objectContaining({
            'event-type': 'Counted',
            'dead-letter-consumer': consumerName,
            'dead-letter-attempts': '1',
            'dead-letter-reason': expect.stringMatching(/^INVALID_JSON: /),
          }),
        },
      ]);
    } finally {
      await reader.disconnect();
      await transport.close();
      await consumerPool.end();
    }
  }, 120_000);
});

describe('trace context in Kafka mode', () => {
  it('carries the traceparent of the span that decided an event to the consumer, whose span is its child', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing('kafka-spec', {}, { exporter });
    const publisherUrl = await createTestDatabase([], 'pub_trace');
    const publisherPool = createPool(publisherUrl, 5);
    const consumerPool = createPool(await createTestDatabase([], 'con_trace'), 5);
    const store = new PostgresEventStore(publisherPool);
    const notifications = new LogNotifications(publisherUrl);
    const topic = `test.trace.${randomUUID().slice(0, 8)}`;
    const consumerName = `c-${randomUUID()}`;
    const transport = new KafkaTransport({ brokers: brokers(), clientId: 'trace-spec', partitions: 3 });
    const traceId = randomBytes(16).toString('hex');
    const decidingSpanId = randomBytes(8).toString('hex');
    const traceparent = `00-${traceId}-${decidingSpanId}-01`;
    const received: (string | undefined)[] = [];
    try {
      const relay = await relayToTopic(transport, topic, { pool: publisherPool, store, notifications });
      await transport.subscribe(
        new InboxConsumer({
          name: consumerName,
          pool: consumerPool,
          contracts: new ContractRegistry().register('Counted', 1),
          handlers: {
            Counted: async (message) => {
              received.push(message.headers.traceparent);
            },
          },
          deadLetters: new TableDeadLetterSink(),
        }),
        [topic],
      );
      // The metadata the command handler stores while a span decides (the store stands in for it here).
      await store.append(`counter-${randomUUID()}`, 0, [
        {
          event: { type: 'Counted', schemaVersion: 1, data: { seq: 1 } },
          metadata: { ...metadata(), traceparent },
        },
      ]);
      await waitFor('the consumer span', () =>
        exporter.getFinishedSpans().some((span) => span.spanContext().traceId === traceId),
      );
      await relay.stop();

      expect(received).toEqual([traceparent]);
      const [span] = exporter
        .getFinishedSpans()
        .filter((candidate) => candidate.spanContext().traceId === traceId);
      expect(span?.kind).toBe(SpanKind.CONSUMER);
      expect(span?.parentSpanContext?.spanId).toBe(decidingSpanId);
      expect(span?.attributes['messaging.destination.name']).toBe(topic);
    } finally {
      await transport.close();
      await notifications.close();
      await publisherPool.end();
      await consumerPool.end();
      await tracing.shutdown();
    }
  }, 120_000);
});
