import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../database/pg';
import type { EventMetadata } from '../event-sourcing/event';
import { PostgresEventStore } from '../event-store/event-store';
import { ContractRegistry } from '../messaging/contract-registry';
import { type DeadLetterSink, listDeadLetters } from '../messaging/dead-letter';
import {
  type BatchMessageHandler,
  batchHandler,
  type ConsumerHandler,
  InboxConsumer,
  type MessageHandler,
} from '../messaging/inbox-consumer';
import { headersOf, type Publication } from '../messaging/message';
import type { EventTransport } from '../transport/transport.port';
import { createTestDatabase } from './test-database';
import { waitFor } from './wait-for';

/**
 * What a transport adapter must do, run against every adapter (embedded and Kafka): at-least-once
 * delivery in per-key order, exactly-once effect through the inbox, poison and malformed messages parked
 * in the dead letter while the rest flow on, and nothing lost when the publishing side stops mid-way.
 */
export interface TransportUnderTest {
  readonly kind: 'embedded' | 'kafka';
  /** A running transport that delivers `publication` of `publisher`'s log; starts the relay if it has one. */
  open(setup: {
    publisher: { pool: Pool; store: PostgresEventStore; url: string };
    publication: Publication;
    topic: string;
  }): Promise<EventTransport & { stopPublishing?(): Promise<void> }>;
  /** The database consumers keep their inbox and effects in (the publisher's own in embedded mode). */
  consumerDatabase(publisherUrl: string): Promise<string>;
  /** Where this transport parks poison and malformed messages. */
  deadLetterSink(transport: EventTransport): DeadLetterSink;
  /** Moves the consumer's position back to the start, as if its progress had never been recorded. */
  rewind(consumerName: string, topic: string, consumerPool: Pool): Promise<void>;
  /** Puts messages on the transport the publisher would never produce. */
  injectMalformed(
    setup: { publisher: { pool: Pool; store: PostgresEventStore }; topic: string },
    cases: { unknownType: string; unknownVersion: string; invalidJson: string },
  ): Promise<{ invalidJsonInjected: boolean }>;
}

const contracts = () => new ContractRegistry().register('Counted', 1);

/** Metadata of an event a test appends (fresh ids, actor `test`, now). */
export function metadata(): EventMetadata {
  return {
    eventId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    actor: 'test',
    occurredAt: new Date().toISOString(),
  };
}

export function transportContract(subject: TransportUnderTest): void {
  describe(`the ${subject.kind} transport`, () => {
    let publisherUrl: string;
    let publisherPool: Pool;
    let store: PostgresEventStore;
    let consumerPool: Pool;
    const opened: EventTransport[] = [];

    // Each test gets its own publisher log (and consumer database), so relays and tailers see only its events.
    beforeEach(async () => {
      publisherUrl = await createTestDatabase([], `pub_${subject.kind}`);
      publisherPool = createPool(publisherUrl, 20);
      store = new PostgresEventStore(publisherPool);
      consumerPool = createPool(await subject.consumerDatabase(publisherUrl), 20);
      await consumerPool.query(
        'CREATE TABLE IF NOT EXISTS contract_effects (id bigserial PRIMARY KEY, consumer text, event_id text, key text, seq int)',
      );
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((transport) => transport.close()));
      await publisherPool.end();
      await consumerPool.end();
    });

    const newTopic = () => `test.contract.${randomUUID().slice(0, 8)}`;
    const publicationFor =
      (topic: string): Publication =>
      (event) => [{ topic, key: event.streamId, headers: headersOf(event), payload: event.data }];

    async function open(topic: string) {
      const transport = await subject.open({
        publisher: { pool: publisherPool, store, url: publisherUrl },
        publication: publicationFor(topic),
        topic,
      });
      opened.push(transport);
      return transport;
    }

    function recordEffect(consumer: string, options: { poisonSeq?: number } = {}): MessageHandler {
      return async (message, tx) => {
        const data = message.payload as { seq: number; poison?: boolean };
        if (data.poison || data.seq === options.poisonSeq) throw new Error(`cannot digest seq ${data.seq}`);
        await tx.query(
          'INSERT INTO contract_effects (consumer, event_id, key, seq) VALUES ($1, $2, $3, $4)',
          [consumer, message.headers.eventId, message.key, data.seq],
        );
      };
    }

    /** recordEffect over runs of messages: one INSERT per run; a run holding a poison event fails whole. */
    function recordEffects(consumer: string, runs: number[]): BatchMessageHandler {
      return batchHandler(async (messages, tx) => {
        const data = messages.map((message) => message.payload as { seq: number; poison?: boolean });
        const poison = data.find((item) => item.poison);
        if (poison) throw new Error(`cannot digest seq ${poison.seq}`);
        runs.push(messages.length);
        await tx.query(
          `INSERT INTO contract_effects (consumer, event_id, key, seq)
           SELECT $1, e, k, s FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS m(e, k, s, n) ORDER BY n`,
          [
            consumer,
            messages.map((message) => message.headers.eventId),
            messages.map((message) => message.key),
            data.map((item) => item.seq),
          ],
        );
      });
    }

    /** Records each event's effect once however often it is applied; counts every message handed to it. */
    function recordEffectsIdempotently(consumer: string, handed: { count: number }): BatchMessageHandler {
      return batchHandler(
        async (messages, tx) => {
          const data = messages.map((message) => message.payload as { seq: number; poison?: boolean });
          const poison = data.find((item) => item.poison);
          if (poison) throw new Error(`cannot digest seq ${poison.seq}`);
          handed.count += messages.length;
          await tx.query(
            `INSERT INTO contract_effects (consumer, event_id, key, seq)
             SELECT $1, e, k, s FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS m(e, k, s, n)
              WHERE NOT EXISTS (SELECT 1 FROM contract_effects c WHERE c.consumer = $1 AND c.event_id = m.e)
              ORDER BY n`,
            [
              consumer,
              messages.map((message) => message.headers.eventId),
              messages.map((message) => message.key),
              data.map((item) => item.seq),
            ],
          );
        },
        { idempotent: true },
      );
    }

    async function inboxOutcomes(consumer: string) {
      const { rows } = await consumerPool.query<{ outcome: string }>(
        'SELECT outcome FROM lapse_inbox WHERE consumer = $1',
        [consumer],
      );
      return rows.map((row) => row.outcome);
    }

    function inbox(transport: EventTransport, name: string, handler: ConsumerHandler) {
      return new InboxConsumer({
        name,
        pool: consumerPool,
        contracts: contracts(),
        handlers: { Counted: handler },
        deadLetters: subject.deadLetterSink(transport),
        maxAttempts: 3,
        backoffMs: 5,
      });
    }

    /** Appends `perKey` events to each of `keys` streams, interleaving streams, 10 events per append. */
    async function publish(
      keys: number,
      perKey: number,
      dataFor: (seq: number) => object = (seq) => ({ seq }),
    ) {
      const streams = Array.from({ length: keys }, () => `counter-${randomUUID()}`);
      for (let start = 0; start < perKey; start += 10) {
        await Promise.all(
          streams.map((streamId) => {
            const events = Array.from({ length: Math.min(10, perKey - start) }, (_, i) => ({
              event: { type: 'Counted', schemaVersion: 1, data: dataFor(start + i + 1) },
              metadata: metadata(),
            }));
            return store.append(streamId, start, events);
          }),
        );
      }
      return streams;
    }

    async function effects(consumer: string) {
      const { rows } = await consumerPool.query<{ event_id: string; key: string; seq: number }>(
        'SELECT event_id, key, seq FROM contract_effects WHERE consumer = $1 ORDER BY id',
        [consumer],
      );
      return rows;
    }

    const count = async (consumer: string) => (await effects(consumer)).length;

    /** Every event of `streams` (`perKey` each) applied once by `consumer`, each stream's in order. */
    async function expectEachOnceInKeyOrder(consumer: string, streams: string[], perKey: number) {
      const rows = await effects(consumer);
      expect(rows).toHaveLength(streams.length * perKey);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(streams.length * perKey);
      const byKey = new Map<string, number[]>();
      for (const row of rows) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row.seq]);
      expect([...byKey.keys()].sort()).toEqual([...streams].sort());
      for (const seqs of byKey.values())
        expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i + 1));
    }

    it('delivers 10,000 events over 100 keys, each once in effect, in per-key order', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const transport = await open(topic);
      await transport.subscribe(inbox(transport, consumer, recordEffect(consumer)), [topic]);
      const streams = await publish(100, 100);
      await waitFor('10,000 effects', async () => (await count(consumer)) >= 10_000, 120_000);

      await expectEachOnceInKeyOrder(consumer, streams, 100);
    }, 180_000);

    it('delivers every event to each consumer of one process, each from its own position, in per-key order', async () => {
      // The embedded transport's consumers share their reads of the log: one that starts from the beginning
      // while another is at the head, and one that joins mid-way, must still each get every event.
      const topic = newTopic();
      const transport = await open(topic);
      const names = [`a-${randomUUID()}`, `b-${randomUUID()}`, `c-${randomUUID()}`];
      await transport.subscribe(inbox(transport, names[0], recordEffect(names[0])), [topic]);
      const early = await publish(20, 50);
      await waitFor('the first consumer at the head', async () => (await count(names[0])) >= 1_000, 120_000);
      await transport.subscribe(inbox(transport, names[1], recordEffect(names[1])), [topic]);
      const late = publish(20, 50);
      await waitFor('the second consumer under way', async () => (await count(names[1])) >= 200, 120_000);
      await transport.subscribe(inbox(transport, names[2], recordEffect(names[2])), [topic]);
      const streams = [...early, ...(await late)];
      for (const name of names)
        await waitFor(`${name}: 2,000 effects`, async () => (await count(name)) >= 2_000, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 300));

      for (const name of names) await expectEachOnceInKeyOrder(name, streams, 50);
    }, 240_000);

    it('applies each effect exactly once when a consumer stops mid-way and restarts from the beginning', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const first = await open(topic);
      await first.subscribe(inbox(first, consumer, recordEffect(consumer)), [topic]);
      await publish(20, 100);
      await waitFor('a first part of the effects', async () => (await count(consumer)) >= 300);
      await first.close();
      const before = await count(consumer);
      expect(before).toBeLessThanOrEqual(2_000);

      await subject.rewind(consumer, topic, consumerPool);
      const second = await open(topic);
      await second.subscribe(inbox(second, consumer, recordEffect(consumer)), [topic]);
      await waitFor('all 2,000 effects', async () => (await count(consumer)) >= 2_000, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 500));

      const rows = await effects(consumer);
      expect(rows).toHaveLength(2_000);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(2_000);
    }, 180_000);

    it('starts from its own database: emptied, it gets every message again, whatever else recorded its progress', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const first = await open(topic);
      await first.subscribe(inbox(first, consumer, recordEffect(consumer)), [topic]);
      await publish(5, 20);
      await waitFor('100 effects', async () => (await count(consumer)) >= 100);
      // Over Kafka, closing commits the group's offsets on the broker: the group is at the end of the topic.
      await first.close();
      // The consumer's database is replaced by an empty one (a projection rebuilt, or restored from before).
      await consumerPool.query('DELETE FROM contract_effects WHERE consumer = $1', [consumer]);
      await consumerPool.query('DELETE FROM lapse_inbox WHERE consumer = $1', [consumer]);
      await consumerPool.query('DELETE FROM lapse_checkpoints WHERE consumer = $1', [consumer]);

      const second = await open(topic);
      await second.subscribe(inbox(second, consumer, recordEffect(consumer)), [topic]);
      await waitFor('the 100 effects again', async () => (await count(consumer)) >= 100, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const rows = await effects(consumer);
      expect(rows).toHaveLength(100);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(100);
    }, 120_000);

    it('hands a batch handler runs of fresh messages, each applied once in per-key order, and parks its poison alone', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const runs: number[] = [];
      const first = await open(topic);
      await first.subscribe(inbox(first, consumer, recordEffects(consumer, runs)), [topic]);
      // A fetch holding a poison event fails whole and is retried one message at a time.
      const poisoned = await publish(20, 10, (seq) => (seq === 7 ? { seq, poison: true } : { seq }));
      await waitFor('180 effects', async () => (await count(consumer)) >= 180);
      await waitFor(
        '20 dead letters',
        async () => (await listDeadLetters(consumerPool, consumer)).length >= 20,
      );
      const letters = await listDeadLetters(consumerPool, consumer);
      expect(letters).toHaveLength(20);
      for (const letter of letters) {
        expect(letter.reason).toContain('cannot digest seq 7');
        expect(letter.attempts).toBe(3);
      }
      // Each append of 10 events to a stream reaches the consumer in one fetch at least.
      const healthy = await publish(20, 40);
      await waitFor('980 effects', async () => (await count(consumer)) >= 980, 120_000);
      expect(Math.max(...runs)).toBeGreaterThanOrEqual(10);
      await first.close();

      // Redelivered from the start: the inbox holds every event back from the handler.
      await subject.rewind(consumer, topic, consumerPool);
      const second = await open(topic);
      await second.subscribe(inbox(second, consumer, recordEffects(consumer, runs)), [topic]);
      await publish(1, 10);
      await waitFor('the 10 new effects', async () => (await count(consumer)) >= 990, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const rows = await effects(consumer);
      expect(rows).toHaveLength(990);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(990);
      expect(await listDeadLetters(consumerPool, consumer)).toHaveLength(20);
      const seqsOf = (stream: string) => rows.filter((row) => row.key === stream).map((row) => row.seq);
      for (const stream of poisoned) expect(seqsOf(stream)).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10]);
      for (const stream of healthy)
        expect(seqsOf(stream)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    }, 180_000);

    it('hands an idempotent handler redeliveries without inbox rows, and parks its poison once', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const handed = { count: 0 };
      const first = await open(topic);
      await first.subscribe(inbox(first, consumer, recordEffectsIdempotently(consumer, handed)), [topic]);
      await publish(10, 10);
      await waitFor('100 effects', async () => (await count(consumer)) >= 100);
      expect(await inboxOutcomes(consumer)).toEqual([]);
      // A fetch holding a poison event is retried one message at a time, deduped as usual.
      const poisoned = await publish(10, 10, (seq) => (seq === 7 ? { seq, poison: true } : { seq }));
      await waitFor('190 effects', async () => (await count(consumer)) >= 190);
      await waitFor(
        '10 dead letters',
        async () => (await listDeadLetters(consumerPool, consumer)).length >= 10,
      );
      await first.close();
      const outcomes = await inboxOutcomes(consumer);
      expect(outcomes.filter((outcome) => outcome === 'dead-lettered')).toHaveLength(10);
      const handedFirst = handed.count;

      // Redelivered from the start: the handler is handed them again and changes nothing.
      await subject.rewind(consumer, topic, consumerPool);
      const second = await open(topic);
      await second.subscribe(inbox(second, consumer, recordEffectsIdempotently(consumer, handed)), [topic]);
      await publish(1, 10);
      await waitFor('the 10 new effects', async () => (await count(consumer)) >= 200, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const rows = await effects(consumer);
      expect(rows).toHaveLength(200);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(200);
      expect(handed.count).toBeGreaterThanOrEqual(handedFirst + 110);
      expect(await listDeadLetters(consumerPool, consumer)).toHaveLength(10);
      const seqsOf = (stream: string) => rows.filter((row) => row.key === stream).map((row) => row.seq);
      for (const stream of poisoned) expect(seqsOf(stream)).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10]);
    }, 180_000);

    it('parks a poison event in the dead letter with its error while the rest flow on', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const transport = await open(topic);
      await transport.subscribe(inbox(transport, consumer, recordEffect(consumer)), [topic]);
      await publish(5, 20, (seq) => (seq === 7 ? { seq, poison: true } : { seq }));

      await waitFor('95 effects', async () => (await count(consumer)) >= 95);
      await waitFor(
        '5 dead letters',
        async () => (await listDeadLetters(consumerPool, consumer)).length >= 5,
      );
      const letters = await listDeadLetters(consumerPool, consumer);
      expect(letters).toHaveLength(5);
      for (const letter of letters) {
        expect(letter.reason).toContain('cannot digest seq 7');
        expect(letter.event_type).toBe('Counted');
        expect(letter.attempts).toBe(3);
      }
      const rows = await effects(consumer);
      expect(rows).toHaveLength(95);
      expect(rows.some((row) => row.seq === 7)).toBe(false);
      // Order per key still holds around the parked event.
      const seqsOfFirstKey = rows.filter((row) => row.key === rows[0].key).map((row) => row.seq);
      expect(seqsOfFirstKey).toEqual(Array.from({ length: 20 }, (_, i) => i + 1).filter((seq) => seq !== 7));
    }, 120_000);

    it('loses nothing when the publishing side stops mid-way and starts again', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const first = await open(topic);
      await first.subscribe(inbox(first, consumer, recordEffect(consumer)), [topic]);
      await publish(10, 50);
      await waitFor('some effects', async () => (await count(consumer)) >= 50);
      await first.close();
      await publish(10, 50);

      const second = await open(topic);
      await second.subscribe(inbox(second, consumer, recordEffect(consumer)), [topic]);
      await waitFor('all 1,000 effects', async () => (await count(consumer)) >= 1_000, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const rows = await effects(consumer);
      expect(rows).toHaveLength(1_000);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(1_000);
    }, 180_000);

    it('dead-letters malformed messages with a reason and keeps consuming', async () => {
      const topic = newTopic();
      const consumer = `c-${randomUUID()}`;
      const transport = await open(topic);
      await transport.subscribe(inbox(transport, consumer, recordEffect(consumer)), [topic]);
      const cases = {
        unknownType: `k-${randomUUID()}`,
        unknownVersion: `k-${randomUUID()}`,
        invalidJson: `k-${randomUUID()}`,
      };
      const { invalidJsonInjected } = await subject.injectMalformed(
        { publisher: { pool: publisherPool, store }, topic },
        cases,
      );
      await publish(1, 10);

      const expected = invalidJsonInjected ? 3 : 2;
      await waitFor(
        'dead letters for the malformed messages',
        async () => (await listDeadLetters(consumerPool, consumer)).length >= expected,
      );
      await waitFor('the good events', async () => (await count(consumer)) >= 10);
      const letters = await listDeadLetters(consumerPool, consumer);
      const reasonFor = (key: string) => letters.find((letter) => letter.message_key === key)?.reason;
      expect(reasonFor(cases.unknownType)).toMatch(/^UNKNOWN_EVENT_TYPE/);
      expect(reasonFor(cases.unknownVersion)).toMatch(/^UNKNOWN_SCHEMA_VERSION/);
      if (invalidJsonInjected) expect(reasonFor(cases.invalidJson)).toMatch(/^INVALID_JSON/);
      expect(await count(consumer)).toBe(10);
    }, 120_000);
  });
}
