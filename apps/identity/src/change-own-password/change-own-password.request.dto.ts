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

export class OwnPasswordValueDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  value: string;
}

/** Okta's `{oldPassword: {value}, newPassword: {value}}`; each object is required (`@IsObject`). */
export class ChangeOwnPasswordRequestDto {
  @IsObject() @ValidateNested() @Type(() => OwnPasswordValueDto) oldPassword: OwnPasswordValueDto;
  @IsObject() @ValidateNested() @Type(() => OwnPasswordValueDto) newPassword: OwnPasswordValueDto;
  /** Okta's flag: end every other session of the user (the one making the change stays). */
  @IsOptional() @IsBoolean() revokeSessions?: boolean;
}
