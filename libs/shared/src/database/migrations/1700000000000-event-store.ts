import type { MigrationInterface, QueryRunner } from '../migration';

/** Event store, inbox, checkpoints and dead letters: the shared plumbing every service database has. */
export class EventStore1700000000000 implements MigrationInterface {
  name = 'EventStore1700000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE lapse_events (
        global_position bigserial PRIMARY KEY,
        transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
        stream_id       text        NOT NULL,
        stream_type     text        NOT NULL,
        version         integer     NOT NULL CHECK (version > 0),
        event_id        uuid        NOT NULL UNIQUE,
        type            text        NOT NULL,
        schema_version  integer     NOT NULL,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT lapse_events_stream_version_key UNIQUE (stream_id, version)
      )`);
    await db.query('CREATE INDEX lapse_events_log_order ON lapse_events (transaction_id, global_position)');
    await db.query(`
      CREATE TABLE lapse_inbox (
        consumer     text        NOT NULL,
        event_id     text        NOT NULL,
        outcome      text        NOT NULL DEFAULT 'processed',
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await db.query(`
      CREATE TABLE lapse_checkpoints (
        consumer   text        NOT NULL,
        source     text        NOT NULL,
        position   text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, source)
      )`);
    await db.query(`
      CREATE TABLE lapse_dead_letters (
        id             bigserial PRIMARY KEY,
        consumer       text        NOT NULL,
        topic          text        NOT NULL,
        message_key    text        NOT NULL,
        event_id       text,
        event_type     text,
        schema_version integer,
        payload        text        NOT NULL,
        reason         text        NOT NULL,
        attempts       integer     NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX lapse_dead_letters_consumer ON lapse_dead_letters (consumer, id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE lapse_dead_letters, lapse_checkpoints, lapse_inbox, lapse_events');
  }
}
