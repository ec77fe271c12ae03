import { Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { serviceCaller } from '../../common/caller';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

/**
 * Identity locks a user after too many failed sign-ins (`POST /internal/v1/users/{id}/lifecycle/lock`) and
 * ends the lock once the policy's `autoUnlockMinutes` have passed (`POST …/lifecycle/unlock`; a user who is
 * no longer locked out is left as is and answers 403 E0000038, like the admin unlock).
 */
@Controller('internal/v1/users')
@UseGuards(ServiceAuthGuard)
export class LockInternalHttpController {
  constructor(
    private readonly users: UserCommandService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post(':id/lifecycle/lock')
  @HttpCode(200)
  async lock(@Param('id') id: string, @Req() request: Request) {
    const { user } = await requireUser(this.pool, id);
    const { state, events } = await this.users.execute(
      user.userId,
      { type: 'LockUser', at: this.clock.now().toISOString() },
      serviceCaller(request),
      {
        eventType: 'user.account.lock',
        message: 'Max sign in attempts exceeded',
      },
    );
    const snapshot = events.find((event) => event.type === 'CredentialStateRecorded');
    return { status: state.status, credentialVersion: snapshot?.version ?? null };
  }

  @Post(':id/lifecycle/unlock')
  @HttpCode(200)
  async unlock(@Param('id') id: string, @Req() request: Request) {
    const { user } = await requireUser(this.pool, id);
    const { state } = await this.users.execute(
      user.userId,
      { type: 'UnlockUser', at: this.clock.now().toISOString() },
      serviceCaller(request),
      {
        eventType: 'user.account.unlock',
        message: 'Lockout period ended (autoUnlockMinutes)',
      },
    );
    return { status: state.status };
  }
}
