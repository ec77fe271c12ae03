import type { Queryable } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import type { ExistingUser, UserState } from '../domain/user.state';

/** The login-uniqueness claim: unique on `login_normalized` (`normalizeLogin` of the login as entered). */
export const LOGIN_CONSTRAINT = 'directory_users_login_key';

/** Okta's cause when a login (compared normalized) is another user's. */
export const LOGIN_TAKEN = 'An object with this field already exists in the current organization';

/**
 * The read model as readers see it: `directory_users`, with a bulk expiry the fan-out recorded in
 * `directory_bulk_expired` applied (migration 1710000000004). It is the union of two disjoint halves, users
 * without such an expiry as stored and users with one; `firstUsersByIdSql` reads a page of it.
 */
export const USERS_VIEW = 'directory_users_current';
const USERS_VIEW_HALVES = ['directory_users_as_stored', 'directory_users_bulk_expired'] as const;

/**
 * `SELECT columns FROM USERS_VIEW WHERE where ORDER BY id LIMIT limit`, with the order and the limit inside
 * each half too. PostgreSQL plans the branches of a plain `UNION ALL` for full retrieval under an outer
 * `ORDER BY`, so a search over the view would read every match (a sequential scan, and the derived state of
 * every bulk-expired user); limited, each half is an index scan in id order (e.g. `directory_users_status`,
 * `directory_bulk_expired_status`) that stops after `limit` rows, merged by id.
 */
export function firstUsersByIdSql(columns: string, where: string, limit: string): string {
  const half = (view: string) =>
    `(SELECT ${columns} FROM ${view} ${where ? `WHERE ${where}` : ''} ORDER BY id LIMIT ${limit})`;
  return `SELECT ${columns} FROM (${USERS_VIEW_HALVES.map(half).join(' UNION ALL ')}) AS users
           ORDER BY id LIMIT ${limit}`;
}

export interface DirectoryUserRow {
  id: string;
  version: number;
  state: ExistingUser;
}

function columns(state: ExistingUser) {
  return [
    state.userId,
    state.profile.login,
    normalizeLogin(state.profile.login),
    state.profile.email,
    state.profile.firstName,
    state.profile.lastName,
    state.status,
    state.provider.type,
    state.createdAt,
    state.lastUpdatedAt,
    state.password?.changedAt ?? null,
  ];
}

/**
 * The admin read model, written in the same transaction as the append so the admin API reads its own
 * writes. The unique login index is the login-uniqueness claim; `version` follows the stream so bulk
 * expiry can append with the right expected version without re-reading every stream. A bulk expiry does not
 * write the row: it records the user's expiry, with the stream's new version, in `directory_bulk_expired`
 * (`user/expire-in-bulk/expire-in-bulk.batch.ts`), which `USERS_VIEW` applies. The next event of the user writes the
 * folded state whole here, at the stream's version (the side row's version, when there is one, plus the new
 * events), and deletes the side row.
 */
export async function projectUser(
  tx: Queryable,
  before: UserState,
  after: UserState,
  appended: number,
): Promise<void> {
  if (after.status === 'NONE' || appended === 0) return;
  if (before.status === 'NONE') {
    await tx.query(
      `INSERT INTO directory_users (id, login, login_normalized, email, first_name, last_name, status, provider_type,
                                    created_at, last_updated, password_changed_at, version, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [...columns(after), appended, JSON.stringify(after)],
    );
    return;
  }
  await tx.query(
    `WITH bulk_expired AS (DELETE FROM directory_bulk_expired WHERE user_id = $1 RETURNING version)
     UPDATE directory_users SET login = $2, login_normalized = $3, email = $4, first_name = $5, last_name = $6,
            status = $7, provider_type = $8, created_at = $9, last_updated = $10, password_changed_at = $11,
            version = coalesce((SELECT version FROM bulk_expired), version) + $12, state = $13
      WHERE id = $1`,
    [...columns(after), appended, JSON.stringify(after)],
  );
}

/** Many new users at once (batch import). */
export async function insertUsers(
  tx: Queryable,
  users: readonly { state: ExistingUser; version: number }[],
): Promise<void> {
  if (users.length === 0) return;
  // One JSON parameter rather than thirteen arrays: node-postgres escapes every element of an array parameter,
  // each state document included (3 % of directory's CPU during an import), and JSON.stringify does not.
  const rows = users.map(({ state, version }) => {
    const [id, login, normalized, email, first, last, status, provider, created, updated, changed] =
      columns(state);
    return {
      id,
      login,
      normalized,
      email,
      first,
      last,
      status,
      provider,
      created,
      updated,
      changed,
      version,
      state,
    };
  });
  await tx.query(
    `INSERT INTO directory_users (id, login, login_normalized, email, first_name, last_name, status, provider_type,
                                  created_at, last_updated, password_changed_at, version, state)
     SELECT id, login, normalized, email, first, last, status, provider, created, updated, changed, version, state
       FROM json_to_recordset($1::json) AS u(id uuid, login text, normalized text, email text, first text, last text,
            status text, provider text, created timestamptz, updated timestamptz, changed timestamptz, version int,
            state jsonb)`,
    [JSON.stringify(rows)],
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUserId = (value: string) => UUID.test(value);

/** By id, or by login (compared normalized: `normalizeLogin`), like Okta's `GET /api/v1/users/{idOrLogin}`. */
export async function findUser(db: Queryable, idOrLogin: string): Promise<DirectoryUserRow | null> {
  const { rows } = isUserId(idOrLogin)
    ? await db.query<DirectoryUserRow>(`SELECT id, version, state FROM ${USERS_VIEW} WHERE id = $1`, [
        idOrLogin,
      ])
    : await db.query<DirectoryUserRow>(
        `SELECT id, version, state FROM ${USERS_VIEW} WHERE login_normalized = $1`,
        [normalizeLogin(idOrLogin)],
      );
  return rows[0] ?? null;
}
