import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AdminPrincipal, AdminTokenVerifier } from '@lapse/shared/http/admin-auth';
import { CLOCK, type Clock } from '@lapse/shared';
import { DirectoryClient } from './directory.client';

const POSITIVE_TTL_MS = 30_000;
const MAX_REMEMBERED_REVOCATIONS = 10_000;

/**
 * Admin tokens are directory's: identity asks its introspection endpoint and remembers a positive answer
 * for 30 s, keyed by the token's SHA-256 (the token itself is never kept). Directory unreachable → not valid.
 * A revocation reaches identity as directory's `AdminTokenRevoked` event (`forget`): the cached answer is
 * dropped at once, and an introspection answered before the revocation but arriving after it is refused.
 */
@Injectable()
export class IntrospectionAdminTokenVerifier implements AdminTokenVerifier {
  private readonly cache = new Map<string, { principal: AdminPrincipal; until: number }>();
  /** Token ids revoked since start (revocation is final; a fresh start asks directory anyway). */
  private readonly revoked = new Set<string>();

  constructor(
    private readonly directory: DirectoryClient,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async verify(token: string): Promise<AdminPrincipal | null> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.clock.now().getTime();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.principal;
    this.cache.delete(key);
    const principal = await this.directory.introspectAdminToken(token).catch(() => null);
    if (!principal || this.revoked.has(principal.tokenId)) return null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { principal, until: now + POSITIVE_TTL_MS });
    return principal;
  }

  /** The token `tokenId` was revoked: no cached answer for it is used again. */
  forget(tokenId: string): void {
    if (this.revoked.size >= MAX_REMEMBERED_REVOCATIONS) this.revoked.clear();
    this.revoked.add(tokenId);
    for (const [key, entry] of this.cache) if (entry.principal.tokenId === tokenId) this.cache.delete(key);
  }
}
