import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { AuditEventType } from '../../audit/audit-log';
import type { Caller } from '../../common/caller';
import type { UserCommand } from '../domain/user.commands';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export type LifecycleOperation =
  | 'activate'
  | 'suspend'
  | 'unsuspend'
  | 'deactivate'
  | 'unlock'
  | 'clear-sessions';

const OPERATIONS: Record<
  LifecycleOperation,
  {
    command:
      | 'ActivateUser'
      | 'SuspendUser'
      | 'UnsuspendUser'
      | 'DeactivateUser'
      | 'UnlockUser'
      | 'ClearSessions';
    /** Absent for clear-sessions: every SessionsRevoked is recorded as `user.session.clear` already. */
    audit?: AuditEventType;
    message: string;
  }
> = {
  activate: { command: 'ActivateUser', audit: 'user.lifecycle.activate', message: 'activate user' },
  suspend: { command: 'SuspendUser', audit: 'user.lifecycle.suspend', message: 'suspend user' },
  unsuspend: { command: 'UnsuspendUser', audit: 'user.lifecycle.unsuspend', message: 'unsuspend user' },
  deactivate: { command: 'DeactivateUser', audit: 'user.lifecycle.deactivate', message: 'deactivate user' },
  unlock: { command: 'UnlockUser', audit: 'user.account.unlock_by_admin', message: 'Unlock user' },
  'clear-sessions': { command: 'ClearSessions', message: 'Clear user session' },
};

/**
 * A user's lifecycle operations (Okta's `lifecycle/{op}` and unlock; the API routes and the console call
 * this), and clearing the user's sessions from the console (identity ends them on the SessionsRevoked).
 */
@Injectable()
export class LifecycleHandler {
  constructor(
    private readonly users: UserCommandService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async apply(idOrLogin: string, operation: LifecycleOperation, caller: Caller): Promise<void> {
    const { command, audit, message } = OPERATIONS[operation];
    const { user } = await requireUser(this.pool, idOrLogin);
    const next = { type: command, at: this.clock.now().toISOString() } as UserCommand;
    await this.users.execute(user.userId, next, caller, audit ? { eventType: audit, message } : undefined);
  }
}
