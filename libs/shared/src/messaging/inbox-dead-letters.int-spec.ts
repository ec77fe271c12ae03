import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../database/pg';
import { createTestDatabase } from '../testing/test-database';
import { ContractRegistry } from './contract-registry';
import { type DeadLetter, listDeadLetters, TableDeadLetterSink } from './dead-letter';
import { InboxConsumer } from './inbox-consumer';
import type { InboundMessage } from './message';

function message(eventType: string, raw?: string): InboundMessage {
  return {
    topic: 'lapse.test.v1',
    key: 'counter-1',
    headers: {
      eventId: randomUUID(),
      eventType,
      schemaVersion: 1,
      correlationId: randomUUID(),
      causationId: null,
      actor: 'test',
      occurredAt: new Date().toISOString(),
    },
    payload: raw === undefined ? {} : undefined,
    ...(raw === undefined ? {} : { raw, parseError: 'Unexpected end of JSON input' }),
    source: { kind: 'log', transactionId: '1', globalPosition: '1' },
  };
}

describe('dead letters that cross the network (the Kafka topic copy)', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = createPool(await createTestDatabase([], 'inbox_dead_letters'));
  });
  afterAll(() => pool.end());

  /**
   * A sink that parks in the table and, when told the letters are parked, looks from outside the
   * consumer's transaction: what it finds there is what had committed by then.
   */
  function observingSink(consumer: string) {
    const table = new TableDeadLetterSink();
    const seenWhenCopied: { letters: number; committed: number }[] = [];
    return {
      seenWhenCopied,
      sink: {
        park: (letter: DeadLetter, tx: Parameters<TableDeadLetterSink['park']>[1]) => table.park(letter, tx),
        parked: async (letters: readonly DeadLetter[]) => {
          seenWhenCopied.push({
            letters: letters.length,
            committed: (await listDeadLetters(pool, consumer)).length,
          });
        },
      },
    };
  }

  it('are copied only once the transaction that parked them has committed', async () => {
    const consumer = `dl-${randomUUID()}`;
    const { sink, seenWhenCopied } = observingSink(consumer);
    const inbox = new InboxConsumer({
      name: consumer,
      pool,
      contracts: new ContractRegistry().register('Counted', 1),
      handlers: { Counted: async () => undefined },
      deadLetters: sink,
    });
    await inbox.process(
      [message('Counted'), message('Counted', '{"seq": '), message('NeverHeardOf')],
      async () => undefined,
    );
    expect(seenWhenCopied).toEqual([{ letters: 2, committed: 2 }]);
  });

  it('are copied once, after the commit, for a poison message parked after its last attempt', async () => {
    const consumer = `dl-${randomUUID()}`;
    const { sink, seenWhenCopied } = observingSink(consumer);
    const inbox = new InboxConsumer({
      name: consumer,
      pool,
      contracts: new ContractRegistry().register('Counted', 1),
      handlers: {
        Counted: async () => {
          throw new Error('poison');
        },
      },
      deadLetters: sink,
      maxAttempts: 2,
      backoffMs: 1,
    });
    await inbox.process([message('Counted')], async () => undefined);
    expect(seenWhenCopied).toEqual([{ letters: 1, committed: 1 }]);
    expect((await listDeadLetters(pool, consumer))[0].reason).toMatch(/^HANDLER_FAILED: .*poison/);
  });

  it('stay parked in the table when the copy fails, and the rest flows on', async () => {
    const consumer = `dl-${randomUUID()}`;
    const applied: string[] = [];
    const inbox = new InboxConsumer({
      name: consumer,
      pool,
      contracts: new ContractRegistry().register('Counted', 1),
      handlers: {
        Counted: async (consumed) => {
          applied.push(consumed.headers.eventId);
        },
      },
      deadLetters: {
        park: (letter, tx) => new TableDeadLetterSink().park(letter, tx),
        parked: () => Promise.reject(new Error('broker unreachable')),
      },
    });
    const good = message('Counted');
    await inbox.process([message('NeverHeardOf'), good], async () => undefined);
    expect(applied).toEqual([good.headers.eventId]);
    expect(await listDeadLetters(pool, consumer)).toHaveLength(1);
  });
});
