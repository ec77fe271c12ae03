import { randomUUID } from 'node:crypto';
import { TableDeadLetterSink } from '../messaging/dead-letter';
import { metadata, transportContract } from '../testing/transport-contract';
import { EmbeddedTransport } from './embedded.transport';
import { LogNotifications } from './log-notifications';

transportContract({
  kind: 'embedded',
  async open({ publisher, publication }) {
    const notifications = new LogNotifications(publisher.url);
    const transport = new EmbeddedTransport({
      pool: publisher.pool,
      store: publisher.store,
      notifications,
      publication,
      pollIntervalMs: 200,
    });
    return {
      kind: transport.kind,
      subscribe: (consumer, topics) => transport.subscribe(consumer, topics),
      whenPublished: (position, timeoutMs) => transport.whenPublished(position, timeoutMs),
      async close() {
        await transport.close();
        await notifications.close();
      },
    };
  },
  // Embedded consumers live in the publisher's database: that is the point of the mode.
  consumerDatabase: async (publisherUrl) => publisherUrl,
  deadLetterSink: () => new TableDeadLetterSink(),
  async rewind(consumerName, _topic, pool) {
    await pool.query('DELETE FROM lapse_checkpoints WHERE consumer = $1', [consumerName]);
  },
  async injectMalformed({ publisher }, cases) {
    await publisher.store.append(cases.unknownType, 0, [
      { event: { type: 'NeverHeardOf', schemaVersion: 1, data: { seq: 1 } }, metadata: metadata() },
    ]);
    await publisher.store.append(cases.unknownVersion, 0, [
      { event: { type: 'Counted', schemaVersion: 99, data: { seq: 1 } }, metadata: metadata() },
    ]);
    // The log is jsonb: PostgreSQL itself refuses text that is not JSON, so it can never reach a consumer.
    await expect(
      publisher.pool.query(
        `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
         VALUES ($1, 'k', 1, $2, 'Counted', 1, $3::jsonb, '{}'::jsonb)`,
        [cases.invalidJson, randomUUID(), '{"seq": '],
      ),
    ).rejects.toThrow(/invalid input syntax for type json/);
    return { invalidJsonInjected: false };
  },
});
