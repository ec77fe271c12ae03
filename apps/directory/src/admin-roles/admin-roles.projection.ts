import type { InlineProjection, Queryable } from '@lapse/shared';
import type { UserEvent } from '../user/domain/user.events';
import type { AdminRoleType, ExistingUser, UserState } from '../user/domain/user.state';

/** `directory_admin_roles`: one row per role a user holds, written in the same transaction as the event. */
export const adminRolesProjection: InlineProjection<UserEvent, UserState> = {
  name: 'directory_admin_roles',
  canHandle: ['AdminRoleAssigned', 'AdminRoleRemoved'],
  async handle(changes, tx) {
    for (const change of changes) {
      const userId = (change.after as ExistingUser).userId;
      for (const event of change.events) {
        if (event.type === 'AdminRoleAssigned')
          await tx.query(
            'INSERT INTO directory_admin_roles (role_id, user_id, type, assigned_at) VALUES ($1, $2, $3, $4)',
            [event.data.roleId, userId, event.data.roleType, event.data.assignedAt],
          );
        else if (event.type === 'AdminRoleRemoved')
          await tx.query('DELETE FROM directory_admin_roles WHERE role_id = $1', [event.data.roleId]);
      }
    }
  },
};

/** True once any user holds SUPER_ADMIN (the first-start setup is then closed). */
export async function superAdminExists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM directory_admin_roles WHERE type = 'SUPER_ADMIN' LIMIT 1");
  return rows.length > 0;
}

/** The roles a user holds, strongest first. */
export async function adminRoleTypesOf(db: Queryable, userId: string): Promise<AdminRoleType[]> {
  const { rows } = await db.query<{ type: AdminRoleType }>(
    'SELECT type FROM directory_admin_roles WHERE user_id = $1',
    [userId],
  );
  return ROLE_STRENGTH.filter((type) => rows.some((row) => row.type === type));
}

export const ROLE_STRENGTH: readonly AdminRoleType[] = ['SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN'];
