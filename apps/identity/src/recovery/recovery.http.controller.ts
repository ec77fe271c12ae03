import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import type { AuthnTransaction } from '../sign-in/authn.responses';
import { RecoveryTokenRequestDto, ResetPasswordRequestDto } from './recovery.request.dto';
import type { RecoveryTransaction } from './recovery.responses';
import { RecoveryService } from './recovery.service';

/** Okta's Authentication API recovery steps for a reset-password link (cancel is `POST /api/v1/authn/cancel`). */
@Controller('api/v1/authn')
export class RecoveryHttpController {
  constructor(private readonly recovery: RecoveryService) {}

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
