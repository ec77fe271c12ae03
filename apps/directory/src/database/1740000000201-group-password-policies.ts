import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Password policies scoped to groups (`policy/`): `directory_password_policies`, the `policy-<id>` streams'
 * inline projection. Resolution reads the active ones in priority order (a handful of rows); the unique
 * lower-cased name is Okta's name-uniqueness claim. The default policy stays in `directory_settings`.
 */
export class GroupPasswordPolicies1740000000201 implements MigrationInterface {
  name = 'GroupPasswordPolicies1740000000201';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_password_policies (
        id              uuid        PRIMARY KEY,
        name            text        NOT NULL,
        description     text,
        status          text        NOT NULL,
        priority        integer     NOT NULL,
        priority_set_at timestamptz NOT NULL,
        group_ids       text[]      NOT NULL,
        provider        text        NOT NULL,
        settings        jsonb       NOT NULL,
        created_at      timestamptz NOT NULL,
        last_updated    timestamptz NOT NULL,
        version         integer     NOT NULL
      )`);
    await db.query(
      'CREATE UNIQUE INDEX directory_password_policies_name_key ON directory_password_policies (lower(name))',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE directory_password_policies');
  }
}
