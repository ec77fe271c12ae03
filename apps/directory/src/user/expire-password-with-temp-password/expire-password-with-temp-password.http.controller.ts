import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, Header, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import { adminCaller } from '../../common/caller';
import { flag } from '../../common/query';
import { ExpireWithTempPasswordQueryDto } from './expire-password-with-temp-password.request.dto';
import { IssueTemporaryPasswordHandler } from './issue-temporary-password.handler';

/**
 * `POST /api/v1/users/{id}/lifecycle/expire_password_with_temp_password?revokeSessions=&deliver=
 * &tempPasswordLifetimeMinutes=` → `{tempPassword}`.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class ExpirePasswordWithTempPasswordHttpController {
  constructor(private readonly temporaryPasswords: IssueTemporaryPasswordHandler) {}

  @Post(':id/lifecycle/expire_password_with_temp_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  expire(
    @Param('id') id: string,
    @Query() query: ExpireWithTempPasswordQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<{ tempPassword: string }> {
    return this.temporaryPasswords.issue(
      id,
      {
        revokeSessions: flag(query.revokeSessions, false),
        deliver: query.deliver ?? 'auto',
        lifetimeMinutes:
          query.tempPasswordLifetimeMinutes === undefined ? null : Number(query.tempPasswordLifetimeMinutes),
      },
      adminCaller(admin, request),
    );
  }
}
