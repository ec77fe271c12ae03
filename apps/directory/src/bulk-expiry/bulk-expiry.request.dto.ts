import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';

export class ExpirePasswordsRequestDto {
  /** Default: OKTA and IMPORT, plus ACTIVE_DIRECTORY and LDAP when delegated password reset is on. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(6)
  @IsIn(['OKTA', 'IMPORT', 'ACTIVE_DIRECTORY', 'LDAP', 'FEDERATION', 'SOCIAL'], { each: true })
  providers?: CredentialProviderType[];
  /** Only the members of these groups (each must exist); combined with `providers`. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  groupIds?: string[];
  @IsOptional() @IsBoolean() dryRun?: boolean;
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

/** `GET /api/v1/jobs`: Okta's paging (`limit`, `after` = the last job id of the previous page). */
export class ListJobsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsUUID() after?: string;
}
