import { DomainError, type Queryable } from '@lapse/shared';
import { adminRolesOf, type UserState } from '../user/domain/user.state';
import { USERS_VIEW } from '../user/read-models/directory-users.projection';

/**
 * Statuses in which a super administrator still counts as one who can act: they can sign in, or will once
 * a lockout ends or an expired password is changed. Suspended, deactivated, staged or provisioned do not.
 */
const IN_CHARGE: readonly string[] = ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT'];

/**
 * The advisory lock (`pg_advisory_xact_lock`) every command that takes an active super administrator out
 * holds from the check to its commit, one key for every directory instance: two administrators removing each
 * other's role at the same moment are serialised, and the second one's check sees the first one's commit.
 * An arbitrary constant ("lapsesup" in ASCII).
 */
export const LAST_SUPER_ADMIN_LOCK = 0x6c61707365737570n;

/** Okta documents no code for it: Lapse answers `403 E0000038` with this summary (docs/directory.md). */
export class LastSuperAdministratorError extends DomainError {
  constructor() {
    super('E0000038', 'The last super administrator cannot be removed', [
      'Assign SUPER_ADMIN to another active user first.',
    ]);
  }
}

export function isActiveSuperAdministrator(state: UserState): boolean {
  return (
    state.status !== 'NONE' &&
    IN_CHARGE.includes(state.status) &&
    adminRolesOf(state).some((role) => role.type === 'SUPER_ADMIN')
  );
}

/**
 * Run in the transaction of a user command, after its events and inline projections are written: when the
 * command takes an active super administrator out (removes their SUPER_ADMIN role, suspends or deactivates
 * them) and no other active super administrator remains, it throws `LastSuperAdministratorError` and the
 * whole command rolls back. Commands that leave super administrators alone take no lock.
 */
export async function keepASuperAdministrator(
  tx: Queryable,
  before: UserState,
  after: UserState,
): Promise<void> {
  if (!isActiveSuperAdministrator(before) || isActiveSuperAdministrator(after)) return;
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [LAST_SUPER_ADMIN_LOCK]);
  // A statement after the lock: under READ COMMITTED it sees every command that held the lock before.
  const { rows } = await tx.query(
    `SELECT 1 FROM directory_admin_roles r JOIN ${USERS_VIEW} u ON u.id = r.user_id
      WHERE r.type = 'SUPER_ADMIN' AND u.status = ANY($1::text[]) LIMIT 1`,
    [IN_CHARGE],
  );
  if (rows.length === 0) throw new LastSuperAdministratorError();
}
