import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { BOOLEAN_TEXT } from '../../common/query';

export class PasswordValueDto {
  @IsString() @Length(1, 256) value: string;
}

/**
 * Okta: `{oldPassword: {value}, newPassword: {value}}`. `@ValidateNested` passes a missing value, so each
 * required object is `@IsObject` too.
 */
export class ChangePasswordRequestDto {
  @IsObject() @ValidateNested() @Type(() => PasswordValueDto) oldPassword: PasswordValueDto;
  @IsObject() @ValidateNested() @Type(() => PasswordValueDto) newPassword: PasswordValueDto;
  @IsOptional() @IsIn([true, false]) revokeSessions?: boolean;
}

export class ChangePasswordQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) strict?: string;
}

/** Identity's internal form: `{oldPassword, newPassword}` as plain strings. */
export class InternalChangePasswordRequestDto {
  @IsString() @Length(1, 256) oldPassword: string;
  @IsString() @Length(1, 256) newPassword: string;
}
