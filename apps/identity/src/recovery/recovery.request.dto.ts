import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { StateTokenRequestDto } from '../sign-in/authn.request.dto';

/** `POST /api/v1/authn/recovery/token`: the token from the reset-password link. */
export class RecoveryTokenRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  recoveryToken: string;
}

/** `POST /api/v1/authn/credentials/reset_password`. */
export class ResetPasswordRequestDto extends StateTokenRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  newPassword: string;
}

/** The recovery factors Lapse offers: an emailed link only (no SMS, voice call or recovery question). */
export const RECOVERY_FACTOR_TYPES = ['EMAIL'] as const;

/** `POST /api/v1/authn/recovery/password`: Okta's forgot password. */
export class RecoverPasswordRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  username: string;

  @IsIn(RECOVERY_FACTOR_TYPES, {
    message: `must be one of the supported factor types: ${RECOVERY_FACTOR_TYPES.join(', ')}`,
  })
  factorType: string;

  /** Okta passes it through the recovery flow; accepted and ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  relayState?: string;
}
