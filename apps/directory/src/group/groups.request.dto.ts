import { ValidationFailedError } from '@lapse/shared';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { GroupProfile } from './domain/group.events';

export class GroupProfileDto {
  @IsString() @IsNotEmpty() @MaxLength(255) name: string;
  @IsOptional() @ValidateIf((_, value) => value !== null) @IsString() @MaxLength(1024) description?:
    | string
    | null;
}

/** Okta's `POST /api/v1/groups` and `PUT /api/v1/groups/{id}` body: `{profile: {name, description?}}`. */
export class GroupRequestDto {
  @IsObject() @ValidateNested() @Type(() => GroupProfileDto) profile: GroupProfileDto;
}

/** The profile as stored: the name trimmed (400 E0000001 when nothing is left of it). */
export function groupProfileOf(body: GroupRequestDto): GroupProfile {
  const name = body.profile.name.trim();
  if (!name) throw new ValidationFailedError(['profile.name: The field cannot be left blank']);
  return { name, description: body.profile.description ?? null };
}

export class ListGroupsQueryDto {
  /** Case-insensitive prefix of the group's name. */
  @IsOptional() @IsString() @MaxLength(255) q?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10000) limit?: number;
  @IsOptional() @IsUUID() after?: string;
  /** Okta's other list parameters (`filter`, `search`, `expand`) are not supported: refused by whitelist. */
}

export class ListMembersQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsUUID() after?: string;
}
