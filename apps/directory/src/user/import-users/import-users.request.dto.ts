import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsObject,
  IsUUID,
  ValidateNested,
} from 'class-validator';
import { IsIsoInstant } from '@lapse/shared/http/iso-instant';
import { BOOLEAN_TEXT } from '../../common/query';
import { PasswordHashDto, ProfileDto, ProviderDto } from '../create-user/create-user.request.dto';

export class ImportedPasswordDto {
  @IsObject() @ValidateNested() @Type(() => PasswordHashDto) hash: PasswordHashDto;
  @IsOptional() @IsIsoInstant() lastChanged?: string;
}

export class ImportedCredentialsDto {
  @IsOptional() @ValidateNested() @Type(() => ImportedPasswordDto) password?: ImportedPasswordDto;
  @IsOptional() @ValidateNested() @Type(() => ProviderDto) provider?: ProviderDto;
}

export class ImportedUserDto {
  @IsObject() @ValidateNested() @Type(() => ProfileDto) profile: ProfileDto;
  @IsOptional() @ValidateNested() @Type(() => ImportedCredentialsDto) credentials?: ImportedCredentialsDto;
  /** Okta's `groupIds`: groups the user joins as imported (each must exist). */
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsUUID('all', { each: true }) groupIds?: string[];
}

/** Lapse: up to 1,000 users with imported argon2id hashes in one request and one transaction. */
export class ImportUsersRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => ImportedUserDto)
  users: ImportedUserDto[];
}

export class ImportUsersQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) activate?: string;
}
