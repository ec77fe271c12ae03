import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Reminders by each user's effective password policy (`notices/`): `notifier_group_members`, the
 * memberships from UserAddedToGroup / UserRemovedFromGroup / GroupDeleted, and
 * `notifier_group_password_policies`, the age settings and conditions of directory's group policies from
 * GroupPasswordPolicyChanged / GroupPasswordPolicyDeleted. The default's row stays `notifier_password_policy`.
 */
export class GroupPolicyReminders1740000000201 implements MigrationInterface {
  name = 'GroupPolicyReminders1740000000201';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifier_group_members (
        user_id  text NOT NULL,
        group_id text NOT NULL,
        PRIMARY KEY (user_id, group_id)
      )`);
    await db.query('CREATE INDEX notifier_group_members_group ON notifier_group_members (group_id)');
    await db.query(`
      CREATE TABLE notifier_group_password_policies (
        id               text        PRIMARY KEY,
        status           text        NOT NULL,
        priority         integer     NOT NULL,
        priority_set_at  timestamptz NOT NULL,
        group_ids        text[]      NOT NULL,
        provider         text        NOT NULL,
        max_age_days     integer     NOT NULL,
        expire_warn_days integer     NOT NULL,
        changed_at       timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE notifier_group_password_policies, notifier_group_members');
  }
}
