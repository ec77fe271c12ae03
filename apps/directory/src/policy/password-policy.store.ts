import { Inject, Injectable, Optional } from '@nestjs/common';
import { PG_POOL, type Queryable } from '@lapse/shared';
import type { Pool } from 'pg';
import {
  DEFAULT_PASSWORD_POLICY_ID,
  effectivePasswordPolicy,
  type PasswordPolicySetV1,
} from '@lapse/shared/core';
import type { PolicyProvider } from './domain/group-password-policy.events';
import {
  type CommonPasswords,
  complexityViolations,
  DEFAULT_COMMON_PASSWORDS,
  DEFAULT_PASSWORD_POLICY,
  type PasswordPolicy,
} from './domain/password-policy';

/** The breached-password list directory checks (`common-passwords.ts`), built once when directory starts. */
export const COMMON_PASSWORDS = Symbol('COMMON_PASSWORDS');

/** Policies first to last: by priority, then the one whose priority was set last (Okta inserts before). */
export const POLICY_ORDER = 'ORDER BY priority, priority_set_at DESC, id';

/** A user's effective policy: which one (`default-password-policy` or a group policy's id) and its settings. */
export interface EffectivePolicy {
  readonly id: string;
  readonly settings: PasswordPolicy;
}

const SETTING = 'password_policy';

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
export type PasswordPolicyChange = DeepPartial<PasswordPolicy>;

/** The fields of a settings group that hold a value: a null stored before nulls were refused keeps the default. */
function present<T extends object>(group: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(group ?? {}).filter(([, value]) => value !== null && value !== undefined),
  ) as Partial<T>;
}

/** The policy with a partial change applied; fields left out keep their value. */
export function mergePasswordPolicy(policy: PasswordPolicy, change: PasswordPolicyChange): PasswordPolicy {
  return {
    complexity: {
      ...policy.complexity,
      ...present(change.complexity),
      dictionary: {
        common: { ...policy.complexity.dictionary.common, ...present(change.complexity?.dictionary?.common) },
      },
    } as PasswordPolicy['complexity'],
    age: { ...policy.age, ...present(change.age) } as PasswordPolicy['age'],
    lockout: { ...policy.lockout, ...present(change.lockout) } as PasswordPolicy['lockout'],
  };
}

/**
 * The paths of a policy change that are null. class-validator's `@IsOptional()` lets null through as well as
 * a missing field, and a null merged over the policy made `complexity.excludeAttributes` null (every later
 * password check failed with a 500) and published `maxAgeDays: null` (the notifier dead-lettered it); found
 * by Schemathesis. A field left out keeps its value; null is refused.
 */
export function nullPaths(change: unknown, prefix = ''): string[] {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) return [];
  return Object.entries(change).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return value === null ? [path] : nullPaths(value, path);
  });
}

/**
 * The org's default password policy, stored in `directory_settings` (the defaults apply until an admin
 * changes it), and the resolution of a user's effective policy over it and the group policies
 * (`directory_password_policies`, written by `PasswordPolicies`).
 */
@Injectable()
export class PasswordPolicyStore {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(COMMON_PASSWORDS) private readonly common: CommonPasswords = DEFAULT_COMMON_PASSWORDS,
  ) {}

  /** Okta's requirements message for a password under `policy`, with the breached-password list; [] when it complies. */
  violations(
    password: string,
    policy: PasswordPolicy,
    profile: Parameters<typeof complexityViolations>[2],
  ): string[] {
    return complexityViolations(password, policy, profile, this.common);
  }

  async current(db: Queryable = this.pool): Promise<PasswordPolicy> {
    const { rows } = await db.query<{ value: PasswordPolicyChange }>(
      'SELECT value FROM directory_settings WHERE name = $1',
      [SETTING],
    );
    return rows[0] ? mergePasswordPolicy(DEFAULT_PASSWORD_POLICY, rows[0].value) : DEFAULT_PASSWORD_POLICY;
  }

  async update(change: PasswordPolicyChange, actor: string, db: Queryable): Promise<PasswordPolicy> {
    const next = mergePasswordPolicy(await this.current(db), change);
    await db.query(
      `INSERT INTO directory_settings (name, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [SETTING, JSON.stringify(next), actor],
    );
    return next;
  }

  /** The policies that can apply, as directory serves them to identity: active group policies, then the default. */
  async set(db: Queryable = this.pool): Promise<PasswordPolicySetV1> {
    const [{ rows }, defaultPolicy] = await Promise.all([
      db.query<{
        id: string;
        name: string;
        group_ids: string[];
        provider: PolicyProvider;
        settings: PasswordPolicy;
      }>(
        `SELECT id, name, group_ids, provider, settings FROM directory_password_policies
          WHERE status = 'ACTIVE' ${POLICY_ORDER}`,
      ),
      this.current(db),
    ]);
    return {
      policies: rows.map((row) => ({
        id: row.id,
        name: row.name,
        groupIds: row.group_ids,
        provider: row.provider,
        settings: row.settings,
      })),
      defaultPolicy,
    };
  }

  /** The policy of a user who is to be (creation): their groups and provider type as the request gives them. */
  async forCandidate(
    candidate: { readonly groupIds: readonly string[]; readonly providerType: string },
    db: Queryable = this.pool,
  ): Promise<EffectivePolicy> {
    return effectivePasswordPolicy(await this.set(db), candidate);
  }

  /**
   * An existing user's effective policy (Okta's resolution, `effectivePasswordPolicy`): one query for the
   * policies, and one for the user's groups and provider only when a group policy is active.
   */
  async forUser(userId: string, db: Queryable = this.pool): Promise<EffectivePolicy> {
    const set = await this.set(db);
    if (set.policies.length === 0) return { id: DEFAULT_PASSWORD_POLICY_ID, settings: set.defaultPolicy };
    const { rows } = await db.query<{ provider_type: string; group_ids: string[] }>(
      `SELECT u.provider_type,
              array(SELECT m.group_id::text FROM directory_group_members m WHERE m.user_id = u.id) AS group_ids
         FROM directory_users u WHERE u.id = $1`,
      [userId],
    );
    if (!rows[0]) return { id: DEFAULT_PASSWORD_POLICY_ID, settings: set.defaultPolicy };
    return effectivePasswordPolicy(set, { groupIds: rows[0].group_ids, providerType: rows[0].provider_type });
  }
}
