import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import { adminCaller } from '../../common/caller';
import { ChangePasswordHandler } from './change-password.handler';
import { ChangePasswordQueryDto, ChangePasswordRequestDto } from './change-password.request.dto';

/** `POST /api/v1/users/{id}/credentials/change_password` → the user's credentials object. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class ChangePasswordHttpController {
  constructor(private readonly passwords: ChangePasswordHandler) {}

  @Post(':id/credentials/change_password')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async change(
    @Param('id') id: string,
    @Body() body: ChangePasswordRequestDto,
    @Query() _query: ChangePasswordQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<object> {
    const { user } = await this.passwords.change(
      id,
      body.oldPassword.value,
      body.newPassword.value,
      adminCaller(admin, request),
    );
    return { password: {}, provider: user.provider };
  }
}
