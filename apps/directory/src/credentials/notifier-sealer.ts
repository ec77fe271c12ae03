import { CompactEncrypt, type JWK, importJWK } from 'jose';

export const NOTIFIER_SEALER = Symbol('NOTIFIER_SEALER');

export interface SealedTemporaryPassword {
  readonly jwe: string;
  readonly kid: string;
}

export interface TemporaryPasswordEnvelope {
  readonly tempPassword: string;
  readonly userId: string;
  readonly deliveryId: string;
  readonly expiresAt: string;
}

/** A reset-password link to email: the link is a bearer secret like a temporary password. */
export interface ResetLinkEnvelope {
  readonly resetPasswordUrl: string;
  readonly userId: string;
  readonly deliveryId: string;
  readonly expiresAt: string;
  /** Additive: true when the user asked for the link (forgot password), so the email says so. */
  readonly selfService?: boolean;
}

/** The notifier's public keys could not be fetched or hold no usable encryption key. */
export class NotifierKeyUnavailableError extends Error {
  constructor(reason: string) {
    super(`Notifier encryption key unavailable: ${reason}`);
    this.name = 'NotifierKeyUnavailableError';
  }
}

const CACHE_MS = 5 * 60_000;

/**
 * Seals a temporary password or a reset link for the notifier: JWE compact serialization, ECDH-ES+A256KW / A256GCM, with
 * the key id in the protected header for rotation. The notifier's JWKS (`use: "enc"`) is fetched lazily
 * and cached for five minutes; the first encryption key is used.
 */
export class NotifierSealer {
  private cached: { key: Awaited<ReturnType<typeof importJWK>>; kid: string; until: number } | null = null;

  constructor(
    private readonly jwksUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async seal(envelope: TemporaryPasswordEnvelope | ResetLinkEnvelope): Promise<SealedTemporaryPassword> {
    const { key, kid } = await this.currentKey();
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(envelope)))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid, cty: 'application/json' })
      .encrypt(key);
    return { jwe, kid };
  }

  private async currentKey(): Promise<{ key: Awaited<ReturnType<typeof importJWK>>; kid: string }> {
    if (this.cached && this.cached.until > this.now()) return this.cached;
    let jwks: { keys?: JWK[] };
    try {
      const response = await fetch(this.jwksUrl, {
        signal: AbortSignal.timeout(3000),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) throw new NotifierKeyUnavailableError(`JWKS answered ${response.status}`);
      jwks = (await response.json()) as { keys?: JWK[] };
    } catch (error) {
      if (error instanceof NotifierKeyUnavailableError) throw error;
      throw new NotifierKeyUnavailableError(error instanceof Error ? error.name : 'fetch failed');
    }
    const jwk = (jwks.keys ?? []).find(
      (candidate) => (candidate.use === undefined || candidate.use === 'enc') && candidate.kid,
    );
    if (!jwk?.kid) throw new NotifierKeyUnavailableError('no encryption key with a kid in the JWKS');
    const key = await importJWK({ ...jwk, alg: 'ECDH-ES+A256KW' }, 'ECDH-ES+A256KW');
    this.cached = { key, kid: jwk.kid, until: this.now() + CACHE_MS };
    return this.cached;
  }
}
