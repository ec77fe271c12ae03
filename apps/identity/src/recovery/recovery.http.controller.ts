import { Body, Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { clientAddressOf } from '@lapse/shared/http/client-address';
import type { Request, Response } from 'express';
import type { AuthnTransaction } from '../sign-in/authn.responses';
import {
  RecoverPasswordRequestDto,
  RecoveryTokenRequestDto,
  ResetPasswordRequestDto,
} from './recovery.request.dto';
import type { RecoveryChallenge, RecoveryTransaction } from './recovery.responses';
import { RecoveryService } from './recovery.service';

/**
 * Okta's Authentication API recovery steps: forgot password (an emailed reset link), then the link's token
 * and the new password (cancel is `POST /api/v1/authn/cancel`).
 */
@Controller('api/v1/authn')
export class RecoveryHttpController {
  constructor(private readonly recovery: RecoveryService) {}

  /** The same `200 RECOVERY_CHALLENGE` for every username; `factorType` other than EMAIL: 400 E0000001. */
  @Post('recovery/password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  recoverPassword(
    @Body() body: RecoverPasswordRequestDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): RecoveryChallenge {
    const { answer, headers } = this.recovery.requestPasswordRecovery(
      body.username,
      clientAddressOf(request),
    );
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    return answer;
  }

  @Post('recovery/token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  verify(@Body() body: RecoveryTokenRequestDto): Promise<RecoveryTransaction> {
    return this.recovery.verifyRecoveryToken(body.recoveryToken);
  }

  @Post('credentials/reset_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  resetPassword(@Body() body: ResetPasswordRequestDto): Promise<AuthnTransaction> {
    return this.recovery.resetPassword(body.stateToken, body.newPassword);
  }
}
