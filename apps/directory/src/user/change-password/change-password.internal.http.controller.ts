import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request } from 'express';
import { serviceCaller } from '../../common/caller';
import { ChangePasswordHandler } from './change-password.handler';
import { InternalChangePasswordRequestDto } from './change-password.request.dto';

/** Identity's authn change-password step: `POST /internal/v1/users/{id}/credentials/change_password` → `{credentialVersion}`. */
@Controller('internal/v1/users')
@UseGuards(ServiceAuthGuard)
export class ChangePasswordInternalHttpController {
  constructor(private readonly passwords: ChangePasswordHandler) {}

  @Post(':id/credentials/change_password')
  @HttpCode(200)
  async change(
    @Param('id') id: string,
    @Body() body: InternalChangePasswordRequestDto,
    @Req() request: Request,
  ) {
    const { credentialVersion } = await this.passwords.change(id, body.oldPassword, body.newPassword, {
      ...serviceCaller(request),
      actor: `user:${id}`,
      audit: { id, type: 'User', displayName: null },
    });
    return { credentialVersion };
  }
}
