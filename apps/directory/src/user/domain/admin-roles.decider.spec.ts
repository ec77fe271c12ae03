import { DomainError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { created, LOGIN, statusChanged, T1, T2 } from '../../testing/user-history';
import { userDecider } from './user.decider';
import type { AdminRoleAssigned, UserEvent } from './user.events';
import { adminRolesOf, type AdminRoleType } from './user.state';

const spec = DeciderSpecification.for(userDecider);

const assigned = (roleId: string, roleType: AdminRoleType, at = T1): AdminRoleAssigned => ({
  type: 'AdminRoleAssigned',
  schemaVersion: 1,
  data: { login: LOGIN, roleId, roleType, assignedAt: at },
});

const code = (expected: string) => (error: DomainError) => expect(error.code).toBe(expected);

describe('admin roles in the user stream', () => {
  describe('when an admin assigns a role', () => {
    it('records the assignment with its id, type and time', () => {
      spec
        .given([created()])
        .when({ type: 'AssignAdminRole', roleId: 'ra1', roleType: 'USER_ADMIN', at: T1 })
        .then([assigned('ra1', 'USER_ADMIN')]);
    });

    it('refuses a role the user already holds (409 E0000090)', () => {
      spec
        .given([created(), assigned('ra1', 'USER_ADMIN')])
        .when({ type: 'AssignAdminRole', roleId: 'ra2', roleType: 'USER_ADMIN', at: T2 })
        .thenThrows(DomainError, code('E0000090'));
    });

    it('refuses an unknown user (404) and a deactivated one (E0000038)', () => {
      const command = { type: 'AssignAdminRole', roleId: 'ra1', roleType: 'SUPER_ADMIN', at: T2 } as const;
      spec.given([]).when(command).thenThrows(DomainError, code('E0000007'));
      spec
        .given([created(), statusChanged('DEACTIVATE', 'ACTIVE', 'DEPROVISIONED')])
        .when(command)
        .thenThrows(DomainError, code('E0000038'));
    });

    it('keeps the roles through later status changes', () => {
      const history: UserEvent[] = [
        created(),
        assigned('ra1', 'SUPER_ADMIN'),
        statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED', T2),
      ];
      const state = history.reduce(userDecider.evolve, userDecider.initialState());
      expect(adminRolesOf(state).map((role) => role.type)).toEqual(['SUPER_ADMIN']);
    });
  });

  describe('when an admin removes a role', () => {
    it('records the removal with the role type, and the user no longer holds it', () => {
      const given = spec.given([created(), assigned('ra1', 'READ_ONLY_ADMIN')]);
      const when = given.when({ type: 'RemoveAdminRole', roleId: 'ra1', at: T2 });
      when.then([
        {
          type: 'AdminRoleRemoved',
          schemaVersion: 1,
          data: { login: LOGIN, roleId: 'ra1', roleType: 'READ_ONLY_ADMIN', removedAt: T2 },
        },
      ]);
      expect(adminRolesOf(when.stateAfter())).toEqual([]);
    });

    it('answers 404 for a role id the user does not hold', () => {
      spec
        .given([created()])
        .when({ type: 'RemoveAdminRole', roleId: 'ra-none', at: T2 })
        .thenThrows(DomainError, code('E0000007'));
    });
  });

  describe('when an admin clears the sessions', () => {
    it('revokes them for identity, whatever the status', () => {
      spec
        .given([created(), statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED')])
        .when({ type: 'ClearSessions', at: T2 })
        .then([
          { type: 'SessionsRevoked', schemaVersion: 1, data: { reason: 'ADMIN_REVOKED', revokedAt: T2 } },
        ]);
      spec.given([]).when({ type: 'ClearSessions', at: T2 }).thenThrows(DomainError, code('E0000007'));
    });
  });
});
