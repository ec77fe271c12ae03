import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class ListUsersQueryDto {
  /** Prefix match on login, email, first and last name. */
  @IsOptional() @IsString() @MaxLength(100) q?: string;
  @IsOptional() @IsString() @MaxLength(1000) filter?: string;
  @IsOptional() @IsString() @MaxLength(1000) search?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsUUID() after?: string;
  @IsOptional() @IsString() @MaxLength(50) sortBy?: string;
  @IsOptional() @IsString() @MaxLength(10) sortOrder?: string;
}
