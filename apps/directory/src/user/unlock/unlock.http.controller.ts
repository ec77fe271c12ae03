import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import { adminCaller } from '../../common/caller';
import { LifecycleHandler } from '../lifecycle/lifecycle.handler';

/** `POST /api/v1/users/{id}/lifecycle/unlock` → `{}`: LOCKED_OUT back to ACTIVE (or PASSWORD_EXPIRED). Local users only. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class UnlockHttpController {
  constructor(private readonly lifecycle: LifecycleHandler) {}

  @Post(':id/lifecycle/unlock')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async unlock(
    @Param('id') id: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<object> {
    await this.lifecycle.apply(id, 'unlock', adminCaller(admin, request));
    return {};
  }
}
