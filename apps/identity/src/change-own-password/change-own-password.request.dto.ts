import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsString, MaxLength, ValidateNested } from 'class-validator';

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
}
