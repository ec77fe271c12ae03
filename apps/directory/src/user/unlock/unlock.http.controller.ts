import { Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../../common/caller';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

/** `POST /api/v1/users/{id}/lifecycle/unlock` → `{}`: LOCKED_OUT back to ACTIVE (or PASSWORD_EXPIRED). Local users only. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
export class UnlockHttpController {
  constructor(
    private readonly users: UserCommandService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post(':id/lifecycle/unlock')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async unlock(
    @Param('id') id: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<object> {
    const { user } = await requireUser(this.pool, id);
    await this.users.execute(
      user.userId,
      { type: 'UnlockUser', at: this.clock.now().toISOString() },
      adminCaller(admin, request),
      {
        eventType: 'user.account.unlock_by_admin',
        message: 'Unlock user',
      },
    );
    return {};
  }
}
