import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  compactDecrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

export const KEY_ALGORITHM = 'ECDH-ES+A256KW';
export const CONTENT_ENCRYPTION = 'A256GCM';

/** A public key as published in the JWKS; directory seals with the first one. */
export interface PublicEncryptionJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly use: 'enc';
  readonly alg: typeof KEY_ALGORITHM;
}

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

interface HeldKey {
  readonly publicJwk: PublicEncryptionJwk;
  readonly privateKey: PrivateKey;
}

/** Why a sealed envelope could not be opened. Never carries key material or plaintext. */
export class EnvelopeUnreadableError extends Error {
  constructor(readonly reason: string) {
    super(`Sealed envelope unreadable: ${reason}`);
    this.name = 'EnvelopeUnreadableError';
  }
}

const KEY_FILE = /^(\d{13})-([A-Za-z0-9_-]+)\.private\.jwk$/;

/**
 * The notifier's EC P-256 key pairs. Newest first: the first is current (directory seals with it),
 * older ones still open envelopes sealed before a rotation. Private keys are held as non-extractable
 * CryptoKeys and never leave this object.
 */
export class KeyRing {
  private constructor(private readonly keys: readonly HeldKey[]) {}

  /** Keys from configuration (newest first), else from `dir`, generating the first key there if empty. */
  static async load(options: {
    dir: string;
    configured: readonly object[] | null;
    now: Date;
  }): Promise<KeyRing> {
    if (options.configured) return KeyRing.fromJwks(options.configured as unknown as JWK[]);
    let files = await listKeyFiles(options.dir);
    if (files.length === 0) {
      await generateKeyFile(options.dir, options.now);
      files = await listKeyFiles(options.dir);
    }
    const jwks = await Promise.all(
      files.map(async (file) => JSON.parse(await readFile(join(options.dir, file), 'utf8')) as JWK),
    );
    return KeyRing.fromJwks(jwks);
  }

  static async fromJwks(privateJwks: readonly JWK[]): Promise<KeyRing> {
    const keys = await Promise.all(
      privateJwks.map(async (jwk): Promise<HeldKey> => {
        if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y || !jwk.kid) {
          throw new Error('A notifier key is not a private EC P-256 JWK with a kid');
        }
        const privateKey = await importJWK({ ...jwk, ext: false }, KEY_ALGORITHM);
        return {
          privateKey,
          publicJwk: {
            kty: 'EC',
            crv: 'P-256',
            x: jwk.x,
            y: jwk.y,
            kid: jwk.kid,
            use: 'enc',
            alg: KEY_ALGORITHM,
          },
        };
      }),
    );
    return new KeyRing(keys);
  }

  /** The public JWKS, newest first. */
  jwks(): { keys: PublicEncryptionJwk[] } {
    return { keys: this.keys.map((key) => ({ ...key.publicJwk })) };
  }

  currentKid(): string {
    return this.keys[0].publicJwk.kid;
  }

  /** Opens a JWE compact envelope sealed for one of our keys; returns the plaintext bytes as text. */
  async open(sealed: string): Promise<string> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(sealed);
      if (header.alg !== KEY_ALGORITHM || header.enc !== CONTENT_ENCRYPTION) {
        throw new EnvelopeUnreadableError('UNSUPPORTED_ALGORITHM');
      }
      kid = header.kid;
    } catch (error) {
      if (error instanceof EnvelopeUnreadableError) throw error;
      throw new EnvelopeUnreadableError('MALFORMED_ENVELOPE');
    }
    const key = this.keys.find((candidate) => candidate.publicJwk.kid === kid);
    if (!key) throw new EnvelopeUnreadableError('UNKNOWN_KEY_ID');
    try {
      const { plaintext } = await compactDecrypt(sealed, key.privateKey, {
        keyManagementAlgorithms: [KEY_ALGORITHM],
        contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
      });
      return new TextDecoder().decode(plaintext);
    } catch {
      throw new EnvelopeUnreadableError('DECRYPTION_FAILED');
    }
  }
}

async function listKeyFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter((name) => KEY_FILE.test(name))
      .sort()
      .reverse();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A new private key JWK (P-256, with its thumbprint as kid). */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(KEY_ALGORITHM, { crv: 'P-256', extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid };
}

/**
 * Generates a key pair and stores its private JWK in `dir` (mode 0600). It becomes the current key the
 * next time the ring is loaded; older files stay so envelopes sealed with them still open. Returns the kid.
 */
export async function generateKeyFile(dir: string, now: Date): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const jwk = await generatePrivateJwk();
  const name = `${String(now.getTime()).padStart(13, '0')}-${jwk.kid}.private.jwk`;
  await writeFile(join(dir, name), `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
  return jwk.kid as string;
}
