import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, type Queryable } from '@lapse/shared';
import type { Pool } from 'pg';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './domain/password-policy';

const SETTING = 'password_policy';

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
export type PasswordPolicyChange = DeepPartial<PasswordPolicy>;

function merge(policy: PasswordPolicy, change: PasswordPolicyChange): PasswordPolicy {
  return {
    complexity: {
      ...policy.complexity,
      ...change.complexity,
      dictionary: {
        common: { ...policy.complexity.dictionary.common, ...change.complexity?.dictionary?.common },
      },
    } as PasswordPolicy['complexity'],
    age: { ...policy.age, ...change.age } as PasswordPolicy['age'],
    lockout: { ...policy.lockout, ...change.lockout } as PasswordPolicy['lockout'],
  };
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
    return rows[0] ? merge(DEFAULT_PASSWORD_POLICY, rows[0].value) : DEFAULT_PASSWORD_POLICY;
  }

  async update(change: PasswordPolicyChange, actor: string, db: Queryable): Promise<PasswordPolicy> {
    const next = merge(await this.current(db), change);
    await db.query(
      `INSERT INTO directory_settings (name, value, updated_at, updated_by) VALUES ($1, $2, now(), $3)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [SETTING, JSON.stringify(next), actor],
    );
    return next;
  }
}
