import { NotFoundError, type Queryable } from '@lapse/shared';
import { findUser } from './read-models/directory-users.projection';
import type { ExistingUser } from './domain/user.state';

/** The user named by an id or login in the path, or 404 E0000007. */
export async function requireUser(
  db: Queryable,
  idOrLogin: string,
): Promise<{ user: ExistingUser; version: number }> {
  const row = await findUser(db, idOrLogin);
  if (!row) throw new NotFoundError('User');
  return { user: row.state, version: row.version };
}
