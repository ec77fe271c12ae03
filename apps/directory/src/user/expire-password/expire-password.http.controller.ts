import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, Header, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../../common/caller';
import { BOOLEAN_TEXT, flag } from '../../common/query';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { IssueTemporaryPasswordHandler } from '../expire-password-with-temp-password/issue-temporary-password.handler';
import { ExpirePasswordHandler } from './expire-password.handler';
import { presentStoredUser } from '../user.presenter';

export class ExpirePasswordQueryDto {
  /** Legacy Okta form: also assign a temporary password and return `{tempPassword}` (admin delivers it). */
  @IsOptional() @IsIn(BOOLEAN_TEXT) tempPassword?: string;
}

/**
 * `POST /api/v1/users/{id}/lifecycle/expire_password`: PASSWORD_EXPIRED, the current password still opens
 * the change-password step at next sign-in.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class ExpirePasswordHttpController {
  constructor(
    private readonly expirer: ExpirePasswordHandler,
    private readonly temporaryPasswords: IssueTemporaryPasswordHandler,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post(':id/lifecycle/expire_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async expire(
    @Param('id') id: string,
    @Query() query: ExpirePasswordQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<Record<string, unknown>> {
    const caller = adminCaller(admin, request);
    if (flag(query.tempPassword, false)) {
      return this.temporaryPasswords.issue(id, { revokeSessions: false, deliver: 'none' }, caller);
    }
    const state = await this.expirer.expire(id, caller);
    return presentStoredUser(this.pool, state, this.config.base.publicUrl);
  }
}
