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
  MinLength,
  IsObject,
  ValidateNested,
} from 'class-validator';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';

/** The most users one bulk expiry's explicit set holds (`userIds`, or the users a filter or search matched). */
export const MAX_SCOPED_USERS = 100_000;

/** A staged bulk expiry's plan. */
export class WavesDto {
  @IsInt() @Min(1) @Max(MAX_SCOPED_USERS) size: number;
  /** Minutes between the starts of two waves (at most a week). */
  @IsInt() @Min(1) @Max(10_080) intervalMinutes: number;
}

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
  /**
   * Only these users (up to 100,000 ids; this route takes bodies up to 4.5 MB). Every id must be a user's: an
   * unknown one fails the request (400 E0000001 with their count and the first ten), and a dry run reports
   * them instead (`unknownUserIds`). Combined with every other scope.
   */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SCOPED_USERS)
  @IsUUID('all', { each: true })
  userIds?: string[];
  /**
   * Only the users of this upload (`POST /api/v1/users/lifecycle/expire_passwords/uploads`: a streamed list
   * larger than `userIds` takes), as they are now; an unknown or expired upload is 404 E0000007. Not with
   * `userIds`; combined with every other scope.
   */
  @IsOptional() @IsUUID() uploadId?: string;
  /** Only the users this Okta filter expression matches when the job starts (as `GET /api/v1/users?filter=`). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1000) filter?: string;
  /** Only the users this Okta search expression matches when the job starts (as `GET /api/v1/users?search=`). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1000) search?: string;
  /**
   * Staged: the users are expired in waves of `size`, `intervalMinutes` apart, the first at once; each wave's
   * users are refused at sign-in from its start, not before. Cancel the waves not started with `POST
   * /api/v1/jobs/{id}/lifecycle/cancel`. At most 100,000 users in a staged job.
   */
  @IsOptional() @IsObject() @ValidateNested() @Type(() => WavesDto) waves?: WavesDto;
  @IsOptional() @IsBoolean() dryRun?: boolean;
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

/** `GET /api/v1/jobs`: Okta's paging (`limit`, `after` = the last job id of the previous page). */
export class ListJobsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsUUID() after?: string;
}
