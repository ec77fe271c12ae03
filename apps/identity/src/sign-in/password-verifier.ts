import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { hashArgon2id, verifyArgon2id } from '@lapse/shared';
import type { HashParameters, IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';

const PARAMS = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/;

export function hashParametersOf(hash: string): HashParameters | null {
  const match = PARAMS.exec(hash);
  return match
    ? { memoryKib: Number(match[1]), iterations: Number(match[2]), parallelism: Number(match[3]) }
    : null;
}

const sameParameters = (a: HashParameters, b: HashParameters) =>
  a.memoryKib === b.memoryKib && a.iterations === b.iterations && a.parallelism === b.parallelism;

/**
 * Verifies passwords against argon2id hashes. When there is no hash to check (unknown user, user without a
 * password) it verifies against a dummy hash with the same parameters, so both cost the same time. The
 * dummy follows the parameters of the real hashes it meets.
 */
@Injectable()
export class PasswordVerifier implements OnModuleInit {
  private dummy: { hash: string; params: HashParameters } | null = null;
  private rebuilding: Promise<void> | null = null;

  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {}

  async onModuleInit(): Promise<void> {
    await this.rebuildDummy(this.config.dummyHash);
  }

  /** True only when `hash` is a real hash and the password matches it. */
  async verify(hash: string | null, password: string): Promise<boolean> {
    if (hash === null) {
      await this.verifyDummy(password);
      return false;
    }
    const params = hashParametersOf(hash);
    if (params && this.dummy && !sameParameters(params, this.dummy.params)) void this.rebuildDummy(params);
    return verifyArgon2id(hash, password);
  }

  private async verifyDummy(password: string): Promise<void> {
    if (!this.dummy) await this.rebuildDummy(this.config.dummyHash);
    await verifyArgon2id((this.dummy as { hash: string }).hash, password);
  }

  private rebuildDummy(params: HashParameters): Promise<void> {
    this.rebuilding ??= hashArgon2id(randomBytes(24).toString('base64url'), params)
      .then((hash) => {
        this.dummy = { hash, params };
      })
      .finally(() => {
        this.rebuilding = null;
      });
    return this.rebuilding;
  }
}
