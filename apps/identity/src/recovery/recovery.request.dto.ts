import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
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
