import { hashArgon2id, verifyArgon2id } from '@lapse/shared';

export interface PasswordHashParams {
  readonly memoryKib: number;
  readonly iterations: number;
}

/** OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane. */
export const DEFAULT_HASH_PARAMS: PasswordHashParams = { memoryKib: 19_456, iterations: 2 };

export const PASSWORD_HASHER = Symbol('PASSWORD_HASHER');

/** argon2id at the edge: deciders only ever see the PHC string. */
export class PasswordHasher {
  constructor(private readonly params: PasswordHashParams = DEFAULT_HASH_PARAMS) {}

  hash(password: string): Promise<string> {
    return hashArgon2id(password, { ...this.params, parallelism: 1 });
  }

  /** False for a wrong password or an unreadable hash; never throws on bad input. */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    return hash ? verifyArgon2id(hash, password) : false;
  }

  /**
   * Whether `password` is one of the last `historyCount` passwords: `current` (the hash in force, if any)
   * and then the user's history, newest first. Every password-setting path asks this before hashing.
   */
  async isRecent(
    password: string,
    current: string | null | undefined,
    history: readonly string[],
    historyCount: number,
  ): Promise<boolean> {
    const recent = [...(current ? [current] : []), ...history].slice(0, Math.max(historyCount, 0));
    for (const hash of recent) if (await this.verify(hash, password)) return true;
    return false;
  }
}
