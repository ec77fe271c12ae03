import { IsString, Length, Matches } from 'class-validator';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Identity asks about a reset link by its SHA-256 (hex), never by the link itself. */
export class VerifyRecoveryTokenRequestDto {
  @IsString() @Matches(SHA256_HEX) recoveryTokenHash: string;
}

export class CompleteRecoveryRequestDto extends VerifyRecoveryTokenRequestDto {
  @IsString() @Length(1, 256) newPassword: string;
}
