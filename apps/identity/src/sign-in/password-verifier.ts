import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { hashArgon2id, verifyArgon2id } from '@lapse/shared';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';

/**
 * Verifies passwords against argon2id hashes. When there is no hash to check (unknown user, user without a
 * password) it verifies against one dummy hash made at start with the configured parameters
 * (`PASSWORD_HASH_MEMORY_KIB`, `_ITERATIONS`, `_PARALLELISM`, the ones directory hashes with), so an unknown
 * user costs what a user whose password directory hashed costs. The dummy never follows the hashes it meets:
 * an imported hash with other settings would otherwise move the unknown users' timing with it.
 */
@Injectable()
export class PasswordVerifier implements OnModuleInit {
  private dummy: Promise<string> | null = null;

  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {}

  async onModuleInit(): Promise<void> {
    await this.dummyHash();
  }

  /** True only when `hash` is a real hash and the password matches it. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    if (hash !== null) return verifyArgon2id(hash, password);
    await verifyArgon2id(await this.dummyHash(), password);
    return false;
  }

  /** The dummy hash, with the configured parameters; made once per process. */
  dummyHash(): Promise<string> {
    this.dummy ??= hashArgon2id(randomBytes(24).toString('base64url'), this.config.dummyHash);
    return this.dummy;
  }
}
