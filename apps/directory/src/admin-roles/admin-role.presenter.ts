import type { AdminRoleAssignment, AdminRoleType } from '../user/domain/user.state';

/** Okta's labels of the standard roles Lapse serves. */
export const ROLE_LABELS: Readonly<Record<AdminRoleType, string>> = {
  SUPER_ADMIN: 'Super Administrator',
  USER_ADMIN: 'Group Administrator',
  READ_ONLY_ADMIN: 'Read Only Administrator',
};

/** Okta's role assignment object (`assignmentType: USER`). */
export function presentRole(role: AdminRoleAssignment, userId: string, publicUrl: string) {
  return {
    id: role.roleId,
    label: ROLE_LABELS[role.type],
    type: role.type,
    status: 'ACTIVE',
    created: role.assignedAt,
    lastUpdated: role.assignedAt,
    assignmentType: 'USER',
    _links: {
      assignee: { href: `${publicUrl}/api/v1/users/${userId}` },
    },
  };
}
