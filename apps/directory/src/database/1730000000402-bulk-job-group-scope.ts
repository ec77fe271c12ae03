import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/** A bulk expiry scoped to groups (`groupIds`): null for one over every user of its providers. */
export class BulkJobGroupScope1730000000402 implements MigrationInterface {
  name = 'BulkJobGroupScope1730000000402';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE directory_bulk_jobs ADD COLUMN group_ids uuid[]');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE directory_bulk_jobs DROP COLUMN group_ids');
  }
}
