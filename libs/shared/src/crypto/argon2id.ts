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

/**
 * The most an accepted (imported) hash may cost to verify: 256 MiB of memory, 16 passes, 8 lanes. Every
 * sign-in of its user runs it, on a libuv thread of a shared pool, so an unbounded one is a denial of service.
 */
export const ARGON2ID_LIMITS = { memoryKib: 262_144, iterations: 16, parallelism: 8 } as const;

const PHC = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/**
 * Why an argon2id PHC string is not accepted, or null when it is: well-formed (version 19, base64 salt and
 * hash), parameters argon2 itself allows (at least 1 pass and 1 lane, at least 8 KiB per lane) and within
 * `ARGON2ID_LIMITS`. The reasons name parameters, never the hash.
 */
export function argon2idHashProblem(phc: string): string | null {
  const match = PHC.exec(phc);
  if (!match) return 'must be an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)';
  const [memoryKib, iterations, parallelism] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (iterations < 1 || parallelism < 1 || memoryKib < 8 * parallelism)
    return 'has parameters argon2id does not allow (t ≥ 1, p ≥ 1, m ≥ 8 × p)';
  if (memoryKib > ARGON2ID_LIMITS.memoryKib)
    return `uses more than 256 MiB of memory (m must be at most ${ARGON2ID_LIMITS.memoryKib} KiB)`;
  if (iterations > ARGON2ID_LIMITS.iterations)
    return `uses more than ${ARGON2ID_LIMITS.iterations} iterations (t)`;
  if (parallelism > ARGON2ID_LIMITS.parallelism)
    return `uses more than ${ARGON2ID_LIMITS.parallelism} lanes (p)`;
  return null;
}
