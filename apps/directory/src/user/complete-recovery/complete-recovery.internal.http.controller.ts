import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request } from 'express';
import { serviceCaller } from '../../common/caller';
import { CompleteRecoveryHandler } from './complete-recovery.handler';
import { CompleteRecoveryRequestDto, VerifyRecoveryTokenRequestDto } from './complete-recovery.request.dto';

/**
 * Identity's authn recovery flow (service credential):
 * - `POST /internal/v1/recovery-tokens/verify {recoveryTokenHash}` → `{userId, expiresAt, profile}`;
 * - `POST /internal/v1/users/{id}/credentials/reset_password {recoveryTokenHash, newPassword}` →
 *   `{credentialVersion}`, spending the link.
 * Unknown, spent, superseded or expired links: 401 E0000105; policy refusals: 403 E0000080 with causes.
 */
@Controller('internal/v1')
@UseGuards(ServiceAuthGuard)
export class CompleteRecoveryInternalHttpController {
  constructor(private readonly recovery: CompleteRecoveryHandler) {}

  @Post('recovery-tokens/verify')
  @HttpCode(200)
  async verify(@Body() body: VerifyRecoveryTokenRequestDto) {
    const { user, expiresAt } = await this.recovery.verify(body.recoveryTokenHash);
    const profile = user.profile as typeof user.profile & { locale?: string; timeZone?: string };
    return {
      userId: user.userId,
      expiresAt,
      profile: {
        login: profile.login,
        firstName: profile.firstName,
        lastName: profile.lastName,
        locale: profile.locale ?? 'en_US',
        timeZone: profile.timeZone ?? 'UTC',
      },
    };
  }

  @Post('users/:id/credentials/reset_password')
  @HttpCode(200)
  async complete(@Param('id') id: string, @Body() body: CompleteRecoveryRequestDto, @Req() request: Request) {
    const { credentialVersion } = await this.recovery.complete(id, body.recoveryTokenHash, body.newPassword, {
      ...serviceCaller(request),
      actor: `user:${id}`,
      audit: { id, type: 'User', displayName: null },
    });
    return { credentialVersion };
  }
}
