import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * Whether an admin exempted the user from the policy's maximum password age (the credential snapshot's
 * `passwordAgeExempt`): the age check at sign-in leaves such a password alone. A constant default, so
 * adding the column rewrites no row.
 */
export class PasswordAgeExemption1700000004600 implements MigrationInterface {
  name = 'PasswordAgeExemption1700000004600';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE identity_credentials ADD COLUMN password_age_exempt boolean NOT NULL DEFAULT false',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE identity_credentials DROP COLUMN password_age_exempt');
  }
}
