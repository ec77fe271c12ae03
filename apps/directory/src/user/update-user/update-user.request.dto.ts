import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { BOOLEAN_TEXT } from '../../common/query';

const BLANK = { message: 'The field cannot be left blank' };
const sent = (property: string) => (dto: object) => (dto as Record<string, unknown>)[property] !== undefined;

/**
 * `POST` (partial): a property left out keeps its value, one sent as null is cleared. The login may be
 * changed but never cleared.
 */
export class UpdateProfileDto {
  @ValidateIf(sent('login')) @IsString() @Length(1, 100) login?: string;
  @IsOptional() @IsEmail() @MaxLength(100) email?: string | null;
  @IsOptional() @IsString() @MaxLength(50) firstName?: string | null;
  @IsOptional() @IsString() @MaxLength(50) lastName?: string | null;
  @IsOptional() @IsString() @Matches(/^\+?[0-9 ()-]{3,30}$/) mobilePhone?: string | null;
  @IsOptional() @IsEmail() @MaxLength(100) secondEmail?: string | null;
  @IsOptional() @IsString() @MaxLength(100) displayName?: string | null;
}

/** `PUT` (strict): the whole profile; Okta's required base properties must be present. */
export class ReplaceProfileDto {
  @IsNotEmpty(BLANK) @IsString() @Length(1, 100) login: string;
  @IsNotEmpty(BLANK) @IsEmail() @MaxLength(100) email: string;
  @IsNotEmpty(BLANK) @IsString() @MaxLength(50) firstName: string;
  @IsNotEmpty(BLANK) @IsString() @MaxLength(50) lastName: string;
  @IsOptional() @IsString() @Matches(/^\+?[0-9 ()-]{3,30}$/) mobilePhone?: string | null;
  @IsOptional() @IsEmail() @MaxLength(100) secondEmail?: string | null;
  @IsOptional() @IsString() @MaxLength(100) displayName?: string | null;
}

/** Only a plaintext password the admin sets: a hash import is for creation (`POST /api/v1/users`). */
export class UpdatePasswordDto {
  @IsOptional() @IsString() @Length(1, 256) value?: string;
}

export class UpdateCredentialsDto {
  @IsOptional() @ValidateNested() @Type(() => UpdatePasswordDto) password?: UpdatePasswordDto;
}

export class UpdateUserRequestDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => UpdateProfileDto) profile?: UpdateProfileDto;
  @IsOptional() @ValidateNested() @Type(() => UpdateCredentialsDto) credentials?: UpdateCredentialsDto;
}

export class ReplaceUserRequestDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReplaceProfileDto) profile?: ReplaceProfileDto;
  @IsOptional() @ValidateNested() @Type(() => UpdateCredentialsDto) credentials?: UpdateCredentialsDto;
}

/** Okta's `strict`: also check the password against the history (Lapse always checks it; accepted for clients). */
export class UpdateUserQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) strict?: string;
}
