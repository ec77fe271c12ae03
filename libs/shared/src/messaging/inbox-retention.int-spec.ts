import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../database/pg';
import { createTestDatabase } from '../testing/test-database';
import { ContractRegistry } from './contract-registry';
import { TableDeadLetterSink } from './dead-letter';
import { InboxConsumer } from './inbox-consumer';
import { pruneInbox } from './inbox-retention';
import type { InboundMessage } from './message';

function counted(eventId: string, position: number): InboundMessage {
  return {
    topic: 'lapse.test.v1',
    key: 'counter-1',
    headers: {
      eventId,
      eventType: 'Counted',
      schemaVersion: 1,
      correlationId: randomUUID(),
      causationId: null,
      actor: 'test',
      occurredAt: new Date().toISOString(),
    },
    payload: {},
    source: { kind: 'log', transactionId: '1', globalPosition: String(position) },
  };
}

describe('inbox retention', () => {
  let pool: Pool;
  let applied: string[];
  let inbox: InboxConsumer;
  const consume = (message: InboundMessage) => inbox.process([message], async () => undefined);

  beforeAll(async () => {
    pool = createPool(await createTestDatabase([], 'inbox_retention'));
  });
  afterAll(() => pool.end());
  beforeEach(() => {
    applied = [];
    inbox = new InboxConsumer({
      name: `retention-${randomUUID().slice(0, 8)}`,
      pool,
      contracts: new ContractRegistry().register('Counted', 1),
      handlers: { Counted: async (message) => void applied.push(message.headers.eventId) },
      deadLetters: new TableDeadLetterSink(),
    });
  });

  it('deletes the dedupe records older than the retention, in batches, and keeps the recent ones', async () => {
    const old = Array.from({ length: 5 }, () => randomUUID());
    const recent = Array.from({ length: 3 }, () => randomUUID());
    for (const [i, id] of [...old, ...recent].entries()) await consume(counted(id, i + 1));
    await pool.query(
      `UPDATE lapse_inbox SET processed_at = now() - interval '8 days' WHERE event_id = ANY($1)`,
      [old],
    );

    expect(await pruneInbox(pool, 168, 2)).toBe(5);

    const { rows } = await pool.query<{ event_id: string }>(
      'SELECT event_id FROM lapse_inbox WHERE event_id = ANY($1) ORDER BY event_id',
      [[...old, ...recent]],
    );
    expect(rows.map((row) => row.event_id)).toEqual([...recent].sort());
  });

  it('still refuses a second delivery of an event consumed within the retention', async () => {
    const id = randomUUID();
    await consume(counted(id, 1));
    await pruneInbox(pool, 168);
    await consume(counted(id, 1));
    expect(applied).toEqual([id]);
  });
});
