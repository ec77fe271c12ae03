import { Controller, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import type { Pool } from 'pg';
import type { AuditEventType } from '../../audit/audit-log';
import { adminCaller } from '../../common/caller';
import { BOOLEAN_TEXT } from '../../common/query';
import type { UserCommand } from '../domain/user.commands';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export class LifecycleQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) sendEmail?: string;
}

const OPERATIONS: Record<
  string,
  { command: 'ActivateUser' | 'SuspendUser' | 'UnsuspendUser' | 'DeactivateUser'; audit: AuditEventType }
> = {
  activate: { command: 'ActivateUser', audit: 'user.lifecycle.activate' },
  suspend: { command: 'SuspendUser', audit: 'user.lifecycle.suspend' },
  unsuspend: { command: 'UnsuspendUser', audit: 'user.lifecycle.unsuspend' },
  deactivate: { command: 'DeactivateUser', audit: 'user.lifecycle.deactivate' },
};

/** `POST /api/v1/users/{id}/lifecycle/{activate|suspend|unsuspend|deactivate}` → `{}`. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
export class LifecycleHttpController {
  constructor(
    private readonly users: UserCommandService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post(':id/lifecycle/activate')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  activate(
    @Param('id') id: string,
    @Query() _q: LifecycleQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() req: Request,
  ) {
    return this.change(id, 'activate', admin, req);
  }

  @Post(':id/lifecycle/suspend')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  suspend(
    @Param('id') id: string,
    @Query() _q: LifecycleQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() req: Request,
  ) {
    return this.change(id, 'suspend', admin, req);
  }

  @Post(':id/lifecycle/unsuspend')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  unsuspend(
    @Param('id') id: string,
    @Query() _q: LifecycleQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() req: Request,
  ) {
    return this.change(id, 'unsuspend', admin, req);
  }

  @Post(':id/lifecycle/deactivate')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  deactivate(
    @Param('id') id: string,
    @Query() _q: LifecycleQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() req: Request,
  ) {
    return this.change(id, 'deactivate', admin, req);
  }

  private async change(
    id: string,
    operation: string,
    admin: AdminPrincipal,
    request: Request,
  ): Promise<object> {
    const { command, audit } = OPERATIONS[operation];
    const { user } = await requireUser(this.pool, id);
    const next = { type: command, at: this.clock.now().toISOString() } as UserCommand;
    await this.users.execute(user.userId, next, adminCaller(admin, request), {
      eventType: audit,
      message: `${operation} user`,
    });
    return {};
  }
}
