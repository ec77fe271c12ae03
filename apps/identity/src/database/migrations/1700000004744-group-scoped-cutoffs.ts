import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * A bulk expiry scoped to groups: its cutoff row names the groups (`group_ids`, null: every user of its
 * providers), and `identity_group_members` is the membership identity learns from directory's
 * UserAddedToGroup / UserRemovedFromGroup / GroupDeleted, so the gate applies such a cutoff to the members only.
 */
export class GroupScopedCutoffs1700000004744 implements MigrationInterface {
  name = 'GroupScopedCutoffs1700000004744';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_bulk_cutoffs ADD COLUMN group_ids text[]');
    await db.query(`
      CREATE TABLE identity_group_members (
        user_id  text NOT NULL,
        group_id text NOT NULL,
        PRIMARY KEY (user_id, group_id)
      )`);
    await db.query('CREATE INDEX identity_group_members_group ON identity_group_members (group_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE identity_group_members');
    await db.query('ALTER TABLE identity_bulk_cutoffs DROP COLUMN group_ids');
  }
}
