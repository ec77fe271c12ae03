import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import { adminCaller } from '../../common/caller';
import { BOOLEAN_TEXT } from '../../common/query';
import { LifecycleHandler, type LifecycleOperation } from './lifecycle.handler';

export class LifecycleQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) sendEmail?: string;
}

/** `POST /api/v1/users/{id}/lifecycle/{activate|suspend|unsuspend|deactivate}` → `{}`. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class LifecycleHttpController {
  constructor(private readonly lifecycle: LifecycleHandler) {}

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
    operation: LifecycleOperation,
    admin: AdminPrincipal,
    request: Request,
  ): Promise<object> {
    await this.lifecycle.apply(id, operation, adminCaller(admin, request));
    return {};
  }
}
