import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsObject,
  IsUUID,
  isEmail,
  isUUID,
  length,
  matches,
  maxLength,
  ValidateNested,
} from 'class-validator';
import { argon2idHashProblem } from '@lapse/shared/crypto/argon2id';
import { IsIsoInstant, parseIsoInstant } from '@lapse/shared/http/iso-instant';
import { BOOLEAN_TEXT } from '../../common/query';
import {
  MOBILE_PHONE,
  PasswordHashDto,
  PROVIDER_TYPES,
  ProfileDto,
  ProviderDto,
} from '../create-user/create-user.request.dto';

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

  /**
   * The body every field of which the decorators above accept, checked with class-validator's own functions
   * for each value (`isEmail`, `length`, …) but without its per-object walk and class-transformer's copies:
   * a fifth of directory's CPU during an import of 1,000 users a request (docs/performance.md, "Import").
   * Anything it is unsure of (an unknown or inherited key, `null` where an object is expected, another
   * prototype) goes to class-validator, so every error stays the same (import-users.request.dto.spec.ts
   * compares the two on valid and invalid bodies).
   */
  static accepts(body: unknown): boolean {
    if (!hasOnlyKeys(body, USERS_BODY_KEYS)) return false;
    const users = (body as { users?: unknown }).users;
    if (!Array.isArray(users) || users.length < 1 || users.length > 1000) return false;
    return users.every(acceptsUser);
  }
}

const USERS_BODY_KEYS = new Set(['users']);
const USER_KEYS = new Set(['profile', 'credentials', 'groupIds']);
const PROFILE_KEYS = new Set([
  'login',
  'email',
  'firstName',
  'lastName',
  'mobilePhone',
  'secondEmail',
  'displayName',
]);
const CREDENTIALS_KEYS = new Set(['password', 'provider']);
const PASSWORD_KEYS = new Set(['hash', 'lastChanged']);
const HASH_KEYS = new Set(['algorithm', 'value']);
const PROVIDER_KEYS = new Set(['type', 'name']);

/** A plain object (as JSON.parse makes them) whose own keys are all in `keys`. */
function hasOnlyKeys(value: unknown, keys: ReadonlySet<string>): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return false;
  for (const key in value) if (!keys.has(key) || !Object.hasOwn(value, key)) return false;
  return true;
}

/** `@IsOptional()`: null or undefined skips the field's other rules. */
const absent = (value: unknown) => value === null || value === undefined;

function acceptsUser(user: unknown): boolean {
  if (!hasOnlyKeys(user, USER_KEYS)) return false;
  const { profile, credentials, groupIds } = user;
  if (!hasOnlyKeys(profile, PROFILE_KEYS)) return false;
  if (!length(profile.login, 1, 100)) return false;
  for (const email of [profile.email, profile.secondEmail])
    if (!absent(email) && !(isEmail(email) && maxLength(email, 100))) return false;
  for (const [name, limit] of [
    [profile.firstName, 50],
    [profile.lastName, 50],
    [profile.displayName, 100],
  ] as const)
    if (!absent(name) && !maxLength(name, limit)) return false;
  if (!absent(profile.mobilePhone) && !matches(profile.mobilePhone as string, MOBILE_PHONE)) return false;
  if (credentials !== undefined && !acceptsCredentials(credentials)) return false;
  if (groupIds !== undefined) {
    if (!Array.isArray(groupIds) || groupIds.length > 100) return false;
    if (!groupIds.every((id) => isUUID(id, 'all'))) return false;
  }
  return true;
}

function acceptsCredentials(credentials: unknown): boolean {
  if (!hasOnlyKeys(credentials, CREDENTIALS_KEYS)) return false;
  const { password, provider } = credentials;
  if (password !== undefined) {
    if (!hasOnlyKeys(password, PASSWORD_KEYS)) return false;
    const { hash, lastChanged } = password;
    if (!hasOnlyKeys(hash, HASH_KEYS) || hash.algorithm !== 'ARGON2') return false;
    if (!maxLength(hash.value, 512) || argon2idHashProblem(hash.value as string) !== null) return false;
    if (!absent(lastChanged) && !(typeof lastChanged === 'string' && parseIsoInstant(lastChanged)))
      return false;
  }
  if (provider !== undefined) {
    if (!hasOnlyKeys(provider, PROVIDER_KEYS)) return false;
    if (!PROVIDER_TYPES.includes(provider.type as never)) return false;
    if (!absent(provider.name) && !maxLength(provider.name, 100)) return false;
  }
  return true;
}

export class ImportUsersQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) activate?: string;
}
