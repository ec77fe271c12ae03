import { Inject, Injectable } from '@nestjs/common';
import { normalizeLogin } from '@lapse/shared/identity/login';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';

/**
 * The password hash last seen for a login, so a sign-in can start verifying while its credential lookup is
 * still in flight. A hint decides nothing: the gate uses that verification only when the hash the lookup
 * returns is the very same string, and verifies again otherwise (a changed password, a stale hint). Bounded
 * (`PASSWORD_HASH_HINTS`, least recently used out first; 0 turns hints off); only logins that exist and have
 * a password are kept, so an unknown login never gets one.
 */
@Injectable()
export class PasswordHashHints {
  private readonly hints = new Map<string, string>();
  private readonly capacity: number;

  constructor(@Inject(IDENTITY_CONFIG) config: IdentityConfig) {
    this.capacity = config.passwordHashHints;
  }

  get(login: string): string | undefined {
    const key = normalizeLogin(login);
    const hash = this.hints.get(key);
    if (hash !== undefined) {
      this.hints.delete(key);
      this.hints.set(key, hash);
    }
    return hash;
  }

  /** What the lookup found for the login: its hash, or null (unknown login, no password). */
  remember(login: string, hash: string | null): void {
    const key = normalizeLogin(login);
    this.hints.delete(key);
    if (hash === null || this.capacity === 0) return;
    this.hints.set(key, hash);
    if (this.hints.size > this.capacity) this.hints.delete(this.hints.keys().next().value as string);
  }
}
