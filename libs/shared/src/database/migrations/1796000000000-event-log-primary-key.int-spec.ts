import type { QueryRunner } from '../migration';
import { START_OF_LOG } from '../../event-sourcing/event';
import { PostgresEventStore } from '../../event-store/event-store';
import { createTestDatabase } from '../../testing/test-database';
import { metadata } from '../../testing/transport-contract';
import { createPool } from '../pg';
import { EventLogPrimaryKey1796000000000 } from './1796000000000-event-log-primary-key';

const indexes = `SELECT indexname, regexp_replace(indexdef, '^.* USING btree ', '') AS columns
                   FROM pg_indexes WHERE tablename = 'lapse_events' ORDER BY indexname`;

describe('migration 1796000000000 (the event log keyed by its reading order)', () => {
  it('moves the primary key to (transaction_id, global_position) over a log that has events, and back', async () => {
    const pool = createPool(await createTestDatabase([], 'event_log_key'), 2);
    const migration = new EventLogPrimaryKey1796000000000();
    const runner = { query: (sql: string) => pool.query(sql) } as unknown as QueryRunner;
    const store = new PostgresEventStore(pool);
    const append = (stream: string) =>
      store.append(stream, 0, [
        {
          event: { type: 'Counted', schemaVersion: 1, data: { stream } },
          metadata: metadata(),
        },
      ]);
    try {
      expect((await pool.query(indexes)).rows).toEqual([
        { indexname: 'lapse_events_event_id_key', columns: '(event_id)' },
        { indexname: 'lapse_events_pkey', columns: '(transaction_id, global_position)' },
        { indexname: 'lapse_events_stream_version_key', columns: '(stream_id, version)' },
      ]);
      await migration.down(runner);
      await append('counter-a');
      await append('counter-b');
      expect((await pool.query(indexes)).rows.map((row) => row.indexname)).toEqual([
        'lapse_events_event_id_key',
        'lapse_events_log_order',
        'lapse_events_pkey',
        'lapse_events_stream_version_key',
      ]);
      await migration.up(runner);
      await append('counter-c');
      expect((await pool.query(indexes)).rows.map((row) => row.indexname)).toEqual([
        'lapse_events_event_id_key',
        'lapse_events_pkey',
        'lapse_events_stream_version_key',
      ]);
      // The log is read only up to the oldest transaction open on the server, which other test files share.
      for (let attempt = 0; attempt < 200 && (await store.hasHeldBack(START_OF_LOG)); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const log = await store.readAll(START_OF_LOG, 10);
      expect(log.map((event) => event.streamId)).toEqual(['counter-a', 'counter-b', 'counter-c']);
    } finally {
      await pool.end();
    }
  });
});
