import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '@lapse/shared';
import type { AdminPrincipal, AdminRole, AdminTokenVerifier } from '@lapse/shared/http/admin-auth';
import { secretsEqual } from '@lapse/shared/http/service-auth';

export const BOOTSTRAP_TOKEN_ID = 'bootstrap';

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Okta-style API token: `00` and 40 url-safe characters from the CSPRNG. */
export function newAdminToken(): string {
  return `00${randomBytes(30).toString('base64url')}`;
}

/**
 * Admin tokens checked against `directory_admin_tokens` (SHA-256 hashes, compared in constant time) and
 * the bootstrap `ADMIN_API_TOKEN` (SUPER_ADMIN). The token itself is never stored or logged.
 */
export class DatabaseAdminTokenVerifier implements AdminTokenVerifier {
  constructor(
    private readonly db: Queryable,
    private readonly bootstrapToken: string | undefined,
  ) {}

  async verify(token: string): Promise<AdminPrincipal | null> {
    if (!token || token.length > 512) return null;
    if (this.bootstrapToken && secretsEqual(token, this.bootstrapToken)) {
      return { tokenId: BOOTSTRAP_TOKEN_ID, name: 'ADMIN_API_TOKEN', role: 'SUPER_ADMIN' };
    }
    const hash = tokenHash(token);
    const { rows } = await this.db.query<{ id: string; name: string; role: AdminRole; token_hash: Buffer }>(
      'SELECT id, name, role, token_hash FROM directory_admin_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(row.token_hash, hash)) return null;
    return { tokenId: row.id, name: row.name, role: row.role };
  }
}
