import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/**
 * A bulk expiry no longer rewrites each user's `state` document (most of the fan-out's per-user cost): it
 * sets the narrow columns (`status`, `version`, `last_updated`) and `bulk_expiry_job`, and the view
 * `directory_users_current` — what every reader of the read model selects from — applies that expiry to
 * `state` on read, exactly as the user decider's `evolve` does for a bulk `PasswordExpired`. The next
 * projection of the user (any later event) writes the folded state and clears `bulk_expiry_job`.
 */
export class BulkExpiryWithoutStateRewrite1710000000003 implements MigrationInterface {
  name = 'BulkExpiryWithoutStateRewrite1710000000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE directory_users ADD COLUMN bulk_expiry_job uuid');
    await db.query(`
      CREATE VIEW directory_users_current AS
      SELECT id, login, login_lower, email, first_name, last_name, status, provider_type, created_at,
             last_updated, password_changed_at, version, bulk_expiry_job,
             CASE WHEN bulk_expiry_job IS NULL THEN state ELSE (
               SELECT (u.state - 'recovery') || jsonb_build_object(
                        'status', u.status,
                        'expiry', jsonb_build_object(
                          'cause', 'BULK', 'jobId', j.id::text, 'reason', j.reason,
                          'expiredAt', expired_at, 'temporary', null),
                        'lastUpdatedAt', expired_at,
                        'statusChangedAt',
                          CASE WHEN u.status <> u.state->>'status' THEN to_jsonb(expired_at)
                               ELSE u.state->'statusChangedAt' END,
                        'activatedAt',
                          CASE WHEN jsonb_typeof(u.state->'activatedAt') = 'string' THEN u.state->'activatedAt'
                               WHEN u.status = 'PASSWORD_EXPIRED' THEN to_jsonb(expired_at)
                               ELSE 'null'::jsonb END)
                 FROM directory_bulk_jobs j,
                      to_char(j.cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS expired_at
                WHERE j.id = u.bulk_expiry_job)
             END AS state
        FROM directory_users u`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW directory_users_current');
    await db.query('ALTER TABLE directory_users DROP COLUMN bulk_expiry_job');
  }
}
