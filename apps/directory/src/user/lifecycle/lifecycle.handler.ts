import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { AuditEventType } from '../../audit/audit-log';
import type { Caller } from '../../common/caller';
import type { UserCommand } from '../domain/user.commands';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export type LifecycleOperation = 'activate' | 'suspend' | 'unsuspend' | 'deactivate' | 'unlock';

const OPERATIONS: Record<
  LifecycleOperation,
  {
    command: 'ActivateUser' | 'SuspendUser' | 'UnsuspendUser' | 'DeactivateUser' | 'UnlockUser';
    audit: AuditEventType;
    message: string;
  }
> = {
  activate: { command: 'ActivateUser', audit: 'user.lifecycle.activate', message: 'activate user' },
  suspend: { command: 'SuspendUser', audit: 'user.lifecycle.suspend', message: 'suspend user' },
  unsuspend: { command: 'UnsuspendUser', audit: 'user.lifecycle.unsuspend', message: 'unsuspend user' },
  deactivate: { command: 'DeactivateUser', audit: 'user.lifecycle.deactivate', message: 'deactivate user' },
  unlock: { command: 'UnlockUser', audit: 'user.account.unlock_by_admin', message: 'Unlock user' },
};

/** A user's lifecycle operations (Okta's `lifecycle/{op}` and unlock); the API routes and the console call this. */
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
    await this.users.execute(user.userId, next, caller, { eventType: audit, message });
  }
}
