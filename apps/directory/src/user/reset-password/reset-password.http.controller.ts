import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, Header, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import { adminCaller } from '../../common/caller';
import { BOOLEAN_TEXT, flag } from '../../common/query';
import { ResetPasswordHandler } from './reset-password.handler';

export class ResetPasswordQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) sendEmail?: string;
  @IsOptional() @IsIn(BOOLEAN_TEXT) revokeSessions?: string;
}

/**
 * `POST /api/v1/users/{id}/lifecycle/reset_password?sendEmail=false` → `{resetPasswordUrl}` (RECOVERY).
 * With `sendEmail=true` (Okta's default) → `{}`: the link is sealed for the notifier (like a temporary
 * password), which emails it; notifier keys unavailable → 503 E0000050 and nothing changes. Refused with
 * 403 E0000507 while the user is in one-time password mode. Only the token's SHA-256 is kept in clear.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class ResetPasswordHttpController {
  constructor(private readonly resets: ResetPasswordHandler) {}

  @Post(':id/lifecycle/reset_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async reset(
    @Param('id') id: string,
    @Query() query: ResetPasswordQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<{ resetPasswordUrl?: string }> {
    return this.resets.reset(
      id,
      { sendEmail: flag(query.sendEmail, true), revokeSessions: flag(query.revokeSessions, false) },
      adminCaller(admin, request),
    );
  }
}
