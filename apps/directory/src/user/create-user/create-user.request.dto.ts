import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { argon2idHashProblem } from '@lapse/shared/crypto/argon2id';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';
import { IsIsoInstant } from '@lapse/shared/http/iso-instant';
import { BOOLEAN_TEXT } from '../../common/query';

export const PROVIDER_TYPES: readonly CredentialProviderType[] = [
  'OKTA',
  'ACTIVE_DIRECTORY',
  'LDAP',
  'FEDERATION',
  'SOCIAL',
  'IMPORT',
];

/** What `profile.mobilePhone` may hold. */
export const MOBILE_PHONE = /^\+?[0-9 ()-]{3,30}$/;

export class ProfileDto {
  @IsString() @Length(1, 100) login: string;
  @IsOptional() @IsEmail() @MaxLength(100) email?: string | null;
  @IsOptional() @IsString() @MaxLength(50) firstName?: string | null;
  @IsOptional() @IsString() @MaxLength(50) lastName?: string | null;
  @IsOptional() @IsString() @Matches(MOBILE_PHONE) mobilePhone?: string | null;
  @IsOptional() @IsEmail() @MaxLength(100) secondEmail?: string | null;
  @IsOptional() @IsString() @MaxLength(100) displayName?: string | null;
}

/** An argon2id PHC string within the bounds every sign-in can afford (`ARGON2ID_LIMITS`), else 400 naming why. */
function IsAcceptedArgon2idHash(): PropertyDecorator {
  return ValidateBy({
    name: 'isAcceptedArgon2idHash',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && argon2idHashProblem(value) === null,
      defaultMessage: (args) =>
        typeof args?.value === 'string'
          ? (argon2idHashProblem(args.value) ?? 'is not accepted')
          : 'must be an argon2id PHC string',
    },
  });
}

/**
 * Okta's `credentials.password.hash`. Lapse verifies argon2id only, so the import takes `algorithm:
 * "ARGON2"` with the PHC string as `value` (salt and parameters are inside it).
 */
export class PasswordHashDto {
  @IsIn(['ARGON2']) algorithm: 'ARGON2';
  @IsString()
  @MaxLength(512)
  @IsAcceptedArgon2idHash()
  value: string;
}

export class PasswordDto {
  @IsOptional() @IsString() @Length(1, 256) value?: string;
  @IsOptional() @ValidateNested() @Type(() => PasswordHashDto) hash?: PasswordHashDto;
  /** Lapse: when the imported password was last changed at the source (defaults to now). */
  @IsOptional() @IsIsoInstant() lastChanged?: string;
}

export class ProviderDto {
  @IsIn(PROVIDER_TYPES) type: CredentialProviderType;
  @IsOptional() @IsString() @MaxLength(100) name?: string;
}

export class CredentialsDto {
  @IsOptional() @ValidateNested() @Type(() => PasswordDto) password?: PasswordDto;
  /** Lapse: the credential provider (defaults to OKTA). */
  @IsOptional() @ValidateNested() @Type(() => ProviderDto) provider?: ProviderDto;
}

export class CreateUserRequestDto {
  @IsObject() @ValidateNested() @Type(() => ProfileDto) profile: ProfileDto;
  @IsOptional() @ValidateNested() @Type(() => CredentialsDto) credentials?: CredentialsDto;
  /** Okta's groups the user joins as created (each must exist). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  groupIds?: string[];
}

export class CreateUserQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) activate?: string;
  @IsOptional() @IsIn(BOOLEAN_TEXT) provider?: string;
  @IsOptional() @IsIn(['changePassword']) nextLogin?: string;
}
