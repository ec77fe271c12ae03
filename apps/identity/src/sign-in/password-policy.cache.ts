import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, LOGGER, type Logger, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import { DirectoryClient } from '../directory-client/directory.client';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { effectivePasswordPolicy, type GroupPasswordPolicyV1 } from '@lapse/shared/core';
import { normalizeLogin } from '@lapse/shared/identity/login';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy, readPasswordPolicy } from './domain/password-policy';

/** The group policies of directory's answer whose shape identity can rely on (others are left out). */
export function readGroupPolicies(value: unknown): GroupPasswordPolicyV1[] {
  const policies = (value as { policies?: unknown } | null)?.policies;
  if (!Array.isArray(policies)) return [];
  return policies.flatMap((policy: Partial<GroupPasswordPolicyV1> | null) =>
    policy &&
    typeof policy.id === 'string' &&
    Array.isArray(policy.groupIds) &&
    (policy.provider === 'OKTA' || policy.provider === 'ACTIVE_DIRECTORY')
      ? [
          {
            id: policy.id,
            name: String(policy.name ?? policy.id),
            groupIds: policy.groupIds.filter((id): id is string => typeof id === 'string'),
            provider: policy.provider,
            settings: readPasswordPolicy(policy.settings),
          },
        ]
      : [],
  );
}

/**
 * Directory's password policies, read from its internal API and kept for `policyCacheMs`; the last ones read
 * are stored so a restart without directory still gates with them. Sign-ins read them from memory; a stale
 * copy is refreshed in the background. `current()` is the default policy; `forUser` / `forLogin` resolve a
 * user's effective policy from the group policies and the memberships identity keeps (one indexed query,
 * only while a group policy is active).
 */
@Injectable()
export class PasswordPolicyCache {
  private policy: PasswordPolicy | null = null;
  private groupPolicies: readonly GroupPasswordPolicyV1[] = [];
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

  /** The effective policy of the user with this id (the default for a user identity does not know). */
  async forUser(userId: string): Promise<PasswordPolicy> {
    return this.resolve('c.user_id = $1', userId);
  }

  /** The effective policy of the user with this login. */
  async forLogin(login: string): Promise<PasswordPolicy> {
    return this.resolve('c.login_normalized = $1', normalizeLogin(login));
  }

  /** The effective policy of a user whose provider type identity has already read (the sign-in gate). */
  async forCredential(credential: { userId: string; providerType: string }): Promise<PasswordPolicy> {
    const base = await this.current();
    if (this.groupPolicies.length === 0) return base;
    const { rows } = await this.pool.query<{ group_id: string }>(
      'SELECT group_id FROM identity_group_members WHERE user_id = $1',
      [credential.userId],
    );
    return effectivePasswordPolicy(
      { policies: this.groupPolicies, defaultPolicy: base },
      { groupIds: rows.map((row) => row.group_id), providerType: credential.providerType },
    ).settings;
  }

  private async resolve(where: string, value: string): Promise<PasswordPolicy> {
    const base = await this.current();
    if (this.groupPolicies.length === 0) return base;
    const { rows } = await this.pool.query<{ provider_type: string; group_ids: string[] }>(
      `SELECT c.provider_type,
              array(SELECT m.group_id FROM identity_group_members m WHERE m.user_id = c.user_id) AS group_ids
         FROM identity_credentials c WHERE ${where}`,
      [value],
    );
    if (!rows[0]) return base;
    return effectivePasswordPolicy(
      { policies: this.groupPolicies, defaultPolicy: base },
      { groupIds: rows[0].group_ids, providerType: rows[0].provider_type },
    ).settings;
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
      const [answer, set] = await Promise.all([
        this.directory.passwordPolicy(),
        this.directory.passwordPolicySet(),
      ]);
      const policy = readPasswordPolicy(answer);
      this.policy = policy;
      this.groupPolicies = readGroupPolicies(set);
      this.fetchedAt = this.clock.now().getTime();
      // The group policies ride along in the stored row (`readPasswordPolicy` ignores the extra field).
      await this.pool.query(
        `INSERT INTO identity_password_policy (id, policy, fetched_at) VALUES (1, $1, now())
         ON CONFLICT (id) DO UPDATE SET policy = EXCLUDED.policy, fetched_at = EXCLUDED.fetched_at`,
        [JSON.stringify({ ...policy, groupPolicies: this.groupPolicies })],
      );
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'password policy not refreshed',
      );
      if (this.policy === null) {
        this.policy = (await this.stored()) ?? DEFAULT_PASSWORD_POLICY;
        this.groupPolicies = await this.storedGroupPolicies();
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

  private async storedGroupPolicies(): Promise<GroupPasswordPolicyV1[]> {
    const { rows } = await this.pool
      .query<{ policy: { groupPolicies?: unknown } }>(
        'SELECT policy FROM identity_password_policy WHERE id = 1',
      )
      .catch(() => ({ rows: [] as { policy: { groupPolicies?: unknown } }[] }));
    return readGroupPolicies({ policies: rows[0]?.policy?.groupPolicies });
  }
}
