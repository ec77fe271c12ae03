import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { transportContract } from '../testing/transport-contract';
import { createTestDatabase } from '../testing/test-database';
import { KafkaTransport } from './kafka.transport';
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
      store: publisher.store,
      notifications,
      publication,
      topics: [topic],
      pollIntervalMs: 200,
    });
    return {
      kind: transport.kind,
      subscribe: (consumer, topics) => transport.subscribe(consumer, topics),
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
