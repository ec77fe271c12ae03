import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

/** `PUT /api/v1/users/{id}/credentials/password_expiry_exemption`. */
export class PasswordAgeExemptionRequestDto {
  /** true: the policy's maximum age no longer expires the user's password; false: it does again. */
  @IsBoolean() exempt!: boolean;
  /** Why (e.g. "service account"), recorded in the event and the System Log. */
  @IsOptional() @IsString() @MaxLength(255) reason?: string;
}
