import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, type Queryable } from '@lapse/shared';
import type { Pool } from 'pg';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './domain/password-policy';

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

/** The org's password policy, stored in `directory_settings`; the defaults apply until an admin changes it. */
@Injectable()
export class PasswordPolicyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

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
}
