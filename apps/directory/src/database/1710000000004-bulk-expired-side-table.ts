import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';
import { BulkExpiryWithoutStateRewrite1710000000003 } from './1710000000003-bulk-expiry-without-state-rewrite';

/** The job's cutoff as the decider writes instants (ISO 8601, milliseconds, UTC). */
const EXPIRED_AT = `to_char(j.cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A bulk expiry no longer writes `directory_users` at all. Rewriting a user's row, even only its narrow
 * columns (migration 1710000000003), makes PostgreSQL write a new version of the whole wide row (the
 * indexed `status` and `last_updated` rule out a HOT update) and an entry in each of its six indexes, on a
 * random page of a full table: most of the fan-out's PostgreSQL CPU and WAL per user. Instead the fan-out
 * inserts one narrow row per user into `directory_bulk_expired` ("this user's stream holds job `job_id`'s
 * bulk PasswordExpired at `version`, leaving the user in `status`"), next to its append; the rows of a batch
 * land together at the end of the table and of its two indexes.
 *
 * Readers select from `directory_users_current`, the union of two disjoint halves:
 * - `directory_users_as_stored`: users without such a row, as stored;
 * - `directory_users_bulk_expired`: users with one, with the job's expiry applied (`status`, `version`,
 *   `last_updated` and the `state` the user decider's `evolve` folds for a bulk PasswordExpired).
 * Each half keeps its search indexes (`directory_users_status` for the first, `directory_bulk_expired_status`
 * for the second), so a status search reads both halves in id order (`firstUsersByIdSql`). The next event of
 * the user (`projectUser`) writes the folded state whole, at the row's version plus the new events, and
 * deletes the side row in the same transaction. Rows pending from migration 1710000000003 move here, their
 * stored columns back to the stored state's.
 */
export class BulkExpiredSideTable1710000000004 implements MigrationInterface {
  name = 'BulkExpiredSideTable1710000000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE directory_bulk_expired (
        user_id       uuid    PRIMARY KEY,
        job_id        uuid    NOT NULL,
        version       integer NOT NULL,
        status        text    NOT NULL,
        provider_type text    NOT NULL
      )`);
    await db.query('CREATE INDEX directory_bulk_expired_status ON directory_bulk_expired (status, user_id)');
    await db.query(
      'CREATE INDEX directory_bulk_expired_provider ON directory_bulk_expired (provider_type, user_id)',
    );
    await db.query(`
      INSERT INTO directory_bulk_expired (user_id, job_id, version, status, provider_type)
      SELECT id, bulk_expiry_job, version, status, provider_type FROM directory_users
       WHERE bulk_expiry_job IS NOT NULL`);
    await db.query(`
      UPDATE directory_users
         SET status = state->>'status', last_updated = (state->>'lastUpdatedAt')::timestamptz, version = version - 1
       WHERE bulk_expiry_job IS NOT NULL`);
    await db.query('DROP VIEW directory_users_current');
    await db.query('ALTER TABLE directory_users DROP COLUMN bulk_expiry_job');
    await db.query(`
      CREATE VIEW directory_users_as_stored AS
      SELECT u.id, u.login, u.login_lower, u.email, u.first_name, u.last_name, u.status, u.provider_type,
             u.created_at, u.last_updated, u.password_changed_at, u.version, u.state
        FROM directory_users u
       WHERE NOT EXISTS (SELECT FROM directory_bulk_expired b WHERE b.user_id = u.id)`);
    await db.query(`
      CREATE VIEW directory_users_bulk_expired AS
      SELECT u.id, u.login, u.login_lower, u.email, u.first_name, u.last_name, b.status AS status, b.provider_type,
             u.created_at, j.cutoff AS last_updated, u.password_changed_at, b.version AS version,
             (u.state - 'recovery') || jsonb_build_object(
               'status', b.status,
               'expiry', jsonb_build_object(
                 'cause', 'BULK', 'jobId', j.id::text, 'reason', j.reason, 'expiredAt', ${EXPIRED_AT},
                 'temporary', null),
               'lastUpdatedAt', ${EXPIRED_AT},
               'statusChangedAt',
                 CASE WHEN b.status <> u.status THEN to_jsonb(${EXPIRED_AT}) ELSE u.state->'statusChangedAt' END,
               'activatedAt',
                 CASE WHEN jsonb_typeof(u.state->'activatedAt') = 'string' THEN u.state->'activatedAt'
                      WHEN b.status = 'PASSWORD_EXPIRED' THEN to_jsonb(${EXPIRED_AT})
                      ELSE 'null'::jsonb END) AS state
        FROM directory_bulk_expired b
        JOIN directory_users u ON u.id = b.user_id
        JOIN directory_bulk_jobs j ON j.id = b.job_id`);
    await db.query(`
      CREATE VIEW directory_users_current AS
      SELECT * FROM directory_users_as_stored UNION ALL SELECT * FROM directory_users_bulk_expired`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'DROP VIEW directory_users_current, directory_users_bulk_expired, directory_users_as_stored',
    );
    await new BulkExpiryWithoutStateRewrite1710000000003().up(db);
    await db.query(`
      UPDATE directory_users u SET status = b.status, last_updated = j.cutoff, version = b.version,
             bulk_expiry_job = b.job_id
        FROM directory_bulk_expired b JOIN directory_bulk_jobs j ON j.id = b.job_id
       WHERE u.id = b.user_id`);
    await db.query('DROP TABLE directory_bulk_expired');
  }
}
