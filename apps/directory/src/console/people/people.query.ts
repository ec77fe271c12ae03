import type { Queryable } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import { PROVIDER_TYPES } from '../../user/create-user/create-user.request.dto';
import type { ExistingUser } from '../../user/domain/user.state';
import { firstUsersByIdSql, isUserId } from '../../user/read-models/directory-users.projection';

export const PAGE_SIZE = 20;
export const STATUSES = [
  'ACTIVE',
  'PASSWORD_EXPIRED',
  'LOCKED_OUT',
  'SUSPENDED',
  'RECOVERY',
  'STAGED',
  'PROVISIONED',
  'DEPROVISIONED',
] as const;

export interface PeopleQuery {
  readonly search: string;
  readonly status: string;
  readonly provider: string;
  readonly after: string;
}

export interface PeoplePage {
  readonly users: readonly ExistingUser[];
  readonly nextAfter: string | null;
}

/** Reads the page's query string, keeping only values the page offers (anything else is ignored). */
export function peopleQueryOf(query: Record<string, unknown>): PeopleQuery {
  const text = (name: string, max: number) => {
    const value = query[name];
    return typeof value === 'string' ? value.trim().slice(0, max) : '';
  };
  const status = text('status', 32);
  const provider = text('provider', 32);
  const after = text('after', 36);
  return {
    search: text('search', 100),
    status: (STATUSES as readonly string[]).includes(status) ? status : '',
    provider: PROVIDER_TYPES.includes(provider as never) ? provider : '',
    after: isUserId(after) ? after : '',
  };
}

/**
 * People: the API's user search (`q`: a prefix of the login, email, first or last name), with the status
 * and provider filters, a page at a time in id order (as `GET /api/v1/users` pages with `after`).
 */
export async function findPeople(db: Queryable, query: PeopleQuery): Promise<PeoplePage> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.search) {
    const prefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(prefix(normalizeLogin(query.search)), prefix(query.search.toLowerCase()));
    const [login, p] = [`$${params.length - 1}`, `$${params.length}`];
    where.push(
      `(login_normalized LIKE ${login} OR lower(email) LIKE ${p} OR lower(first_name) LIKE ${p} OR lower(last_name) LIKE ${p})`,
    );
  }
  if (query.status) {
    params.push(query.status);
    where.push(`status = $${params.length}`);
  }
  if (query.provider) {
    params.push(query.provider);
    where.push(`provider_type = $${params.length}`);
  }
  if (query.after) {
    params.push(query.after);
    where.push(`id > $${params.length}`);
  }
  params.push(PAGE_SIZE + 1);
  const { rows } = await db.query<{ id: string; state: ExistingUser }>(
    firstUsersByIdSql('id, state', where.join(' AND '), `$${params.length}`),
    params,
  );
  const users = rows.slice(0, PAGE_SIZE).map((row) => row.state);
  return { users, nextAfter: rows.length > PAGE_SIZE ? (users.at(-1)?.userId ?? null) : null };
}
