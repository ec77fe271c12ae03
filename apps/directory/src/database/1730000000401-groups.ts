import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Groups (`group/`): `directory_groups`, the group streams' inline projection (the unique lower-cased name is
 * Okta's name-uniqueness claim, and its pattern index serves `q` prefix searches); `directory_group_members`,
 * the inline projection of the users' membership events (by group for a group's users, by user for a user's
 * groups). Deleting a group deletes its memberships with it.
 */
export class Groups1730000000401 implements MigrationInterface {
  name = 'Groups1730000000401';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_groups (
        id                      uuid        PRIMARY KEY,
        name                    text        NOT NULL,
        name_lower              text        NOT NULL,
        description             text,
        created_at              timestamptz NOT NULL,
        last_updated            timestamptz NOT NULL,
        last_membership_updated timestamptz,
        version                 integer     NOT NULL
      )`);
    await db.query(
      'CREATE UNIQUE INDEX directory_groups_name_key ON directory_groups (name_lower text_pattern_ops)',
    );
    await db.query(`
      CREATE TABLE directory_group_members (
        group_id uuid        NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
        user_id  uuid        NOT NULL,
        added_at timestamptz NOT NULL,
        PRIMARY KEY (group_id, user_id)
      )`);
    await db.query(
      'CREATE INDEX directory_group_members_user ON directory_group_members (user_id, group_id)',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_group_members, directory_groups');
  }
}
