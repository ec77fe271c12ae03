import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class PasswordValueDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  value: string;
}

/** Okta's `{oldPassword: {value}, newPassword: {value}}`; each object is required (`@IsObject`). */
export class ChangeOwnPasswordRequestDto {
  @IsObject() @ValidateNested() @Type(() => PasswordValueDto) oldPassword: PasswordValueDto;
  @IsObject() @ValidateNested() @Type(() => PasswordValueDto) newPassword: PasswordValueDto;
  /** Okta's flag: end every other session of the user (the one making the change stays). */
  @IsOptional() @IsBoolean() revokeSessions?: boolean;
}
