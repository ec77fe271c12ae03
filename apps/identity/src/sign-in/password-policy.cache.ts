import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, LOGGER, type Logger, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import { DirectoryClient } from '../directory-client/directory.client';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy, readPasswordPolicy } from './domain/password-policy';

/**
 * Directory's password policy, read from its internal API and kept for `policyCacheMs`; the last one read
 * is stored so a restart without directory still gates with it. Sign-ins read it from memory; a stale copy
 * is refreshed in the background.
 */
@Injectable()
export class PasswordPolicyCache {
  private policy: PasswordPolicy | null = null;
  private fetchedAt = 0;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly directory: DirectoryClient,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async current(): Promise<PasswordPolicy> {
    const stale = this.clock.now().getTime() - this.fetchedAt >= this.config.policyCacheMs;
    if (this.policy === null) {
      await this.refresh();
      return this.policy ?? (await this.stored()) ?? DEFAULT_PASSWORD_POLICY;
    }
    if (stale) void this.refresh();
    return this.policy;
  }

  /** Forgets the cached copy (tests change the policy and want it read again). */
  invalidate(): void {
    this.fetchedAt = 0;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.fetch().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async fetch(): Promise<void> {
    try {
      const policy = readPasswordPolicy(await this.directory.passwordPolicy());
      this.policy = policy;
      this.fetchedAt = this.clock.now().getTime();
      await this.pool.query(
        `INSERT INTO identity_password_policy (id, policy, fetched_at) VALUES (1, $1, now())
         ON CONFLICT (id) DO UPDATE SET policy = EXCLUDED.policy, fetched_at = EXCLUDED.fetched_at`,
        [JSON.stringify(policy)],
      );
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'password policy not refreshed',
      );
      if (this.policy === null) {
        this.policy = (await this.stored()) ?? DEFAULT_PASSWORD_POLICY;
        // Try again soon rather than after a whole cache period.
        this.fetchedAt = this.clock.now().getTime() - Math.max(0, this.config.policyCacheMs - 2000);
      }
    }
  }

  private async stored(): Promise<PasswordPolicy | null> {
    const { rows } = await this.pool
      .query<{ policy: unknown }>('SELECT policy FROM identity_password_policy WHERE id = 1')
      .catch(() => ({ rows: [] as { policy: unknown }[] }));
    return rows[0] ? readPasswordPolicy(rows[0].policy) : null;
  }
}
