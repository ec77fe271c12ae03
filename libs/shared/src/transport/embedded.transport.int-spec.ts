import { randomUUID } from 'node:crypto';
import { createPool } from '../database/pg';
import { PostgresEventStore } from '../event-store/event-store';
import { ContractRegistry } from '../messaging/contract-registry';
import { TableDeadLetterSink } from '../messaging/dead-letter';
import { InboxConsumer } from '../messaging/inbox-consumer';
import { headersOf } from '../messaging/message';
import { createTestDatabase } from '../testing/test-database';
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

describe('what the embedded transport calls published', () => {
  it('is what every consumer of the process has taken: applied, or passed by as none of its topics', async () => {
    const url = await createTestDatabase([], 'pub_taken');
    const pool = createPool(url, 10);
    const store = new PostgresEventStore(pool);
    const notifications = new LogNotifications(url);
    const topic = `test.taken.${randomUUID().slice(0, 8)}`;
    const transport = new EmbeddedTransport({
      pool,
      store,
      notifications,
      publication: (event) => [
        { topic, key: event.streamId, headers: headersOf(event), payload: event.data },
      ],
      pollIntervalMs: 200,
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const applied: number[] = [];
    const consumer = (name: string, onCounted: (seq: number) => Promise<void>) =>
      new InboxConsumer({
        name,
        pool,
        contracts: new ContractRegistry().register('Counted', 1),
        handlers: { Counted: async (message) => onCounted((message.payload as { seq: number }).seq) },
        deadLetters: new TableDeadLetterSink(),
        maxAttempts: 3,
        backoffMs: 5,
      });
    const counted = (seq: number) => ({
      event: { type: 'Counted', schemaVersion: 1, data: { seq } },
      metadata: metadata(),
    });
    try {
      // Without a consumer in the process nothing waits.
      const [first] = await store.append(`counter-${randomUUID()}`, 0, [counted(1)]);
      expect(await transport.whenPublished(first, 1)).toBe(true);

      await transport.subscribe(
        consumer(`taker-${randomUUID()}`, async (seq) => {
          if (seq === 3) await held;
          applied.push(seq);
        }),
        [topic],
      );
      // One that wants none of the log's topics passes every event by.
      await transport.subscribe(
        consumer(`bystander-${randomUUID()}`, async () => {}),
        ['test.elsewhere'],
      );
      const [second] = await store.append(`counter-${randomUUID()}`, 0, [counted(2)]);
      expect(await transport.whenPublished(second, 10_000)).toBe(true);
      expect(applied).toEqual([1, 2]);

      // A consumer still applying the event: not published until it has.
      const [third] = await store.append(`counter-${randomUUID()}`, 0, [counted(3)]);
      expect(await transport.whenPublished(third, 300)).toBe(false);
      expect(applied).toEqual([1, 2]);
      release();
      expect(await transport.whenPublished(third, 10_000)).toBe(true);
      expect(applied).toEqual([1, 2, 3]);
    } finally {
      release();
      await transport.close();
      await notifications.close();
      await pool.end();
    }
  });
});
