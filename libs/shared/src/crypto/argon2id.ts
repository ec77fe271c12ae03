import { hash, verify } from '@node-rs/argon2';

/** argon2id cost: memory in KiB, passes, lanes (the `m`, `t`, `p` of the PHC string). */
export interface Argon2idParameters {
  readonly memoryKib: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** `Algorithm.Argon2id` of `@node-rs/argon2` (an ambient const enum, which isolated modules cannot inline). */
const ARGON2ID = 2;

/**
 * argon2id as a standard PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), on the libuv thread pool.
 * `@node-rs/argon2` rather than `argon2`: its prebuilt binary uses the CPU's SIMD extensions, where
 * `argon2`'s prebuilt is SSE2-only; about twice the verifications per core here (docs/identity.md).
 * Hashes made by either library verify with the other.
 */
export function hashArgon2id(password: string, params: Argon2idParameters): Promise<string> {
  return hash(password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: params.parallelism,
  });
}

/** False for a wrong password or an unreadable hash; never throws on bad input. */
export async function verifyArgon2id(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}
