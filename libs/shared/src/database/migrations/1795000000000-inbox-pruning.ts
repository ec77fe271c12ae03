import type { MigrationInterface, QueryRunner } from '../migration';

/** Lets the inbox pruner find rows past their retention without reading the whole table. */
export class InboxPruning1795000000000 implements MigrationInterface {
  name = 'InboxPruning1795000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX lapse_inbox_processed_at ON lapse_inbox (processed_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX lapse_inbox_processed_at');
  }
}
