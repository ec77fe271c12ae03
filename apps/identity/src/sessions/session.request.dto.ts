import { hasOnlyStrings } from '@lapse/shared/http/validation';
import { IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';

/** `POST /api/v1/sessions`: `{sessionToken}`, or the legacy `{username, password}`. */
export class CreateSessionRequestDto {
  @ValidateIf((body: CreateSessionRequestDto) => body.username === undefined && body.password === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  sessionToken?: string;

  @ValidateIf((body: CreateSessionRequestDto) => body.sessionToken === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  username?: string;

  @ValidateIf((body: CreateSessionRequestDto) => body.sessionToken === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password?: string;

  /** The common shapes, checked without class-validator (see `hasOnlyStrings`). */
  static accepts(body: unknown): boolean {
    return (
      hasOnlyStrings(body, { username: 1024, password: 1024 }) || hasOnlyStrings(body, { sessionToken: 256 })
    );
  }
}

/** `POST /internal/v1/sessions/verify`: how other services check a session id (or `sid` cookie value). */
export class VerifySessionRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  sessionId: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  userId?: string;
}
