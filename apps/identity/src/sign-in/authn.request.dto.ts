import { hasOnlyStrings } from '@lapse/shared/http/validation';
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

export class AuthnOptionsDto {
  @IsOptional()
  @IsBoolean()
  warnBeforePasswordExpired?: boolean;

  @IsOptional()
  @IsBoolean()
  multiOptionalFactorEnroll?: boolean;
}

/** `POST /api/v1/authn`: primary authentication. */
export class AuthnRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  username: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => AuthnOptionsDto)
  options?: AuthnOptionsDto;

  /** Okta clients send `{deviceToken}` here; accepted and ignored. */
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;

  /** The common shape, checked without class-validator (see `hasOnlyStrings`). */
  static accepts(body: unknown): boolean {
    return hasOnlyStrings(body, { username: 1024, password: 1024 });
  }
}

export class StateTokenRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  stateToken: string;
}

export class AuthnChangePasswordRequestDto extends StateTokenRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  oldPassword: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  newPassword: string;
}
