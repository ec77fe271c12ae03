import type { MigrationInterface, QueryRunner } from '../migration';

/**
 * The event log's primary key becomes its reading order, `(transaction_id, global_position)`, instead of
 * `global_position` alone next to a separate index on that order: every reader (relays, the embedded
 * transport, lag monitors) seeks and walks by that pair, nothing by the position alone, and the sequence
 * already makes each position unique. One index less to write per appended event: in a bulk fan-out, one of
 * the eight WAL records and about a tenth of the buffer touches per user.
 */
export class EventLogPrimaryKey1796000000000 implements MigrationInterface {
  name = 'EventLogPrimaryKey1796000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE lapse_events DROP CONSTRAINT lapse_events_pkey');
    await db.query(
      'ALTER TABLE lapse_events ADD CONSTRAINT lapse_events_pkey PRIMARY KEY (transaction_id, global_position)',
    );
    await db.query('DROP INDEX lapse_events_log_order');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX lapse_events_log_order ON lapse_events (transaction_id, global_position)');
    await db.query('ALTER TABLE lapse_events DROP CONSTRAINT lapse_events_pkey');
    await db.query('ALTER TABLE lapse_events ADD CONSTRAINT lapse_events_pkey PRIMARY KEY (global_position)');
  }
}
