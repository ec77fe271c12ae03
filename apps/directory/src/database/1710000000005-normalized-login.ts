import { normalizeLogin } from '@lapse/shared/identity/login';
import type { MigrationInterface, QueryRunner } from '@lapse/shared/database/migration';

/** The job's cutoff as the decider writes instants (ISO 8601, milliseconds, UTC); as in 1710000000004. */
const EXPIRED_AT = `to_char(j.cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const BACKFILL_BATCH = 5_000;

/**
 * Logins are compared in their normalized form (`normalizeLogin`: NFKC, full case folding, NFKC) instead of
 * `toLowerCase()`: `directory_users.login_normalized` replaces `login_lower`, and the login-uniqueness
 * claim (`directory_users_login_key`) moves to it. Existing rows are backfilled with the same JavaScript
 * function the service uses (PostgreSQL's `lower(normalize(login, NFKC))` differs, e.g. for `ß`). Logins
 * that were distinct in lower case but are one login now (`straße` and `STRASSE`) stop the migration with
 * their user ids, for an administrator to rename one of each pair first. The three views of migration
 * 1710000000004 are recreated with the new column.
 */
export class NormalizedLogin1710000000005 implements MigrationInterface {
  name = 'NormalizedLogin1710000000005';

  async up(db: QueryRunner): Promise<void> {
    await dropViews(db);
    await db.query('ALTER TABLE directory_users ADD COLUMN login_normalized text');
    const owners = new Map<string, string>();
    const clashes: string[] = [];
    await backfill(db, 'login_normalized', normalizeLogin, (id, normalized) => {
      const owner = owners.get(normalized);
      if (owner) clashes.push(`${owner} and ${id}`);
      else owners.set(normalized, id);
    });
    if (clashes.length > 0)
      throw new Error(
        `directory: ${clashes.length} pair(s) of users have logins that are now one login (NFKC and case folding); ` +
          `rename one user of each pair with the previous version, then start again: ${clashes.slice(0, 20).join('; ')}`,
      );
    await db.query(`
      ALTER TABLE directory_users
        ALTER COLUMN login_normalized SET NOT NULL,
        DROP COLUMN login_lower,
        ADD CONSTRAINT directory_users_login_key UNIQUE (login_normalized)`);
    await createViews(db, 'login_normalized');
  }

  async down(db: QueryRunner): Promise<void> {
    await dropViews(db);
    await db.query('ALTER TABLE directory_users ADD COLUMN login_lower text');
    // As the service wrote it before: JavaScript's toLowerCase (PostgreSQL's lower() depends on the locale).
    await backfill(db, 'login_lower', (login) => login.toLowerCase());
    await db.query(`
      ALTER TABLE directory_users
        ALTER COLUMN login_lower SET NOT NULL,
        DROP COLUMN login_normalized,
        ADD CONSTRAINT directory_users_login_key UNIQUE (login_lower)`);
    await createViews(db, 'login_lower');
  }
}

/** Sets `column` of every user to `form(login)`, in batches, in id order; `seen` sees each value set. */
async function backfill(
  db: QueryRunner,
  column: 'login_normalized' | 'login_lower',
  form: (login: string) => string,
  seen: (id: string, value: string) => void = () => undefined,
): Promise<void> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: { id: string; login: string }[] = await db.query(
      'SELECT id, login FROM directory_users WHERE id > $1 ORDER BY id LIMIT $2',
      [after, BACKFILL_BATCH],
    );
    if (rows.length === 0) return;
    const values = rows.map((row) => form(row.login));
    for (const [i, row] of rows.entries()) seen(row.id, values[i]);
    await db.query(
      `UPDATE directory_users u SET ${column} = s.value
         FROM unnest($1::uuid[], $2::text[]) AS s(id, value) WHERE u.id = s.id`,
      [rows.map((row) => row.id), values],
    );
    after = rows[rows.length - 1].id;
  }
}

async function dropViews(db: QueryRunner): Promise<void> {
  await db.query(
    'DROP VIEW directory_users_current, directory_users_bulk_expired, directory_users_as_stored',
  );
}

/** The views of migration 1710000000004, with `loginColumn` in place of `login_lower`. */
async function createViews(db: QueryRunner, loginColumn: 'login_normalized' | 'login_lower'): Promise<void> {
  await db.query(`
    CREATE VIEW directory_users_as_stored AS
    SELECT u.id, u.login, u.${loginColumn}, u.email, u.first_name, u.last_name, u.status, u.provider_type,
           u.created_at, u.last_updated, u.password_changed_at, u.version, u.state
      FROM directory_users u
     WHERE NOT EXISTS (SELECT FROM directory_bulk_expired b WHERE b.user_id = u.id)`);
  await db.query(`
    CREATE VIEW directory_users_bulk_expired AS
    SELECT u.id, u.login, u.${loginColumn}, u.email, u.first_name, u.last_name, b.status AS status, b.provider_type,
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
