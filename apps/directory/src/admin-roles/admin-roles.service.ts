import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { type AdminRoleType, adminRolesOf } from '../user/domain/user.state';
import { UserCommandService } from '../user/user-commands.service';
import { requireUser } from '../user/user-lookup';
import { presentRole } from './admin-role.presenter';

/** Okta-style role assignment id: `ra` and 18 alphanumerics from the CSPRNG. */
function newRoleId(): string {
  return `ra${randomBytes(24).toString('base64url').replace(/[-_]/g, '').slice(0, 18)}`;
}

/**
 * Admin roles on users, through the one write path (events in the user's stream) and audited in the System
 * Log as Okta's `user.account.privilege.grant` / `.revoke`. The API and the console both call this.
 */
@Injectable()
export class AdminRolesService {
  constructor(
    private readonly users: UserCommandService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async assign(idOrLogin: string, type: AdminRoleType, caller: Caller) {
    const { user } = await requireUser(this.pool, idOrLogin);
    const roleId = newRoleId();
    const { state } = await this.users.execute(
      user.userId,
      { type: 'AssignAdminRole', roleId, roleType: type, at: this.clock.now().toISOString() },
      caller,
      {
        eventType: 'user.account.privilege.grant',
        message: 'Grant user privilege',
        debugData: { privilegeGranted: type, roleId },
      },
    );
    const role = adminRolesOf(state).find((held) => held.roleId === roleId);
    if (!role) throw new Error('the assigned role is missing from the folded state');
    return presentRole(role, user.userId, this.config.base.publicUrl);
  }

  async list(idOrLogin: string) {
    const { user } = await requireUser(this.pool, idOrLogin);
    return adminRolesOf(user).map((role) => presentRole(role, user.userId, this.config.base.publicUrl));
  }

  async remove(idOrLogin: string, roleId: string, caller: Caller): Promise<void> {
    const { user } = await requireUser(this.pool, idOrLogin);
    const type = adminRolesOf(user).find((held) => held.roleId === roleId)?.type ?? null;
    await this.users.execute(
      user.userId,
      { type: 'RemoveAdminRole', roleId, at: this.clock.now().toISOString() },
      caller,
      {
        eventType: 'user.account.privilege.revoke',
        message: 'Revoke user privilege',
        debugData: { privilegeRevoked: type, roleId: roleId.slice(0, 64) },
      },
    );
  }
}
