import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

class CommonDictionaryDto {
  @IsBoolean() exclude: boolean;
}
class DictionaryDto {
  @IsObject() @ValidateNested() @Type(() => CommonDictionaryDto) common: CommonDictionaryDto;
}
class ComplexityDto {
  @IsOptional() @IsInt() @Min(4) @Max(256) minLength?: number;
  @IsOptional() @IsInt() @Min(0) @Max(32) minLowerCase?: number;
  @IsOptional() @IsInt() @Min(0) @Max(32) minUpperCase?: number;
  @IsOptional() @IsInt() @Min(0) @Max(32) minNumber?: number;
  @IsOptional() @IsInt() @Min(0) @Max(32) minSymbol?: number;
  @IsOptional() @IsBoolean() excludeUsername?: boolean;
  @IsOptional() @IsArray() @IsIn(['firstName', 'lastName'], { each: true }) excludeAttributes?: string[];
  @IsOptional() @ValidateNested() @Type(() => DictionaryDto) dictionary?: DictionaryDto;
}
class AgeDto {
  @IsOptional() @IsInt() @Min(0) @Max(999) maxAgeDays?: number;
  @IsOptional() @IsInt() @Min(0) @Max(999) expireWarnDays?: number;
  @IsOptional() @IsInt() @Min(0) @Max(9999) minAgeMinutes?: number;
  @IsOptional() @IsInt() @Min(0) @Max(24) historyCount?: number;
}
class LockoutDto {
  @IsOptional() @IsInt() @Min(0) @Max(100) maxAttempts?: number;
  @IsOptional() @IsInt() @Min(0) @Max(99999) autoUnlockMinutes?: number;
  @IsOptional() @IsBoolean() showLockoutFailures?: boolean;
}

/** A partial change of Okta's `settings.password`; omitted fields keep their value. */
export class UpdatePasswordPolicyRequestDto {
  @IsOptional() @ValidateNested() @Type(() => ComplexityDto) complexity?: ComplexityDto;
  @IsOptional() @ValidateNested() @Type(() => AgeDto) age?: AgeDto;
  @IsOptional() @ValidateNested() @Type(() => LockoutDto) lockout?: LockoutDto;
}
