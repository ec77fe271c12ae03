import type { DomainEvent } from '@lapse/shared/core';
import type { PasswordPolicy } from './password-policy';

/** Okta's `authProvider.provider` condition of a password policy. */
export type PolicyProvider = 'OKTA' | 'ACTIVE_DIRECTORY';
export type PolicyStatus = 'ACTIVE' | 'INACTIVE';

/**
 * A password policy scoped to groups (Okta's `POST /api/v1/policies`, type PASSWORD): who it applies to
 * (`groupIds`, `provider`), where it stands (`priority`, 1 first), and Okta's `settings.password`.
 */
export interface GroupPasswordPolicy {
  readonly policyId: string;
  readonly name: string;
  readonly description: string | null;
  readonly status: PolicyStatus;
  readonly priority: number;
  readonly groupIds: readonly string[];
  readonly provider: PolicyProvider;
  readonly settings: PasswordPolicy;
}

/** The `policy-<id>` stream: a group policy created, replaced whole (status and priority included), deleted. */
export type GroupPasswordPolicyCreated = DomainEvent<
  'GroupPasswordPolicyCreated',
  GroupPasswordPolicy & { readonly createdAt: string; readonly prioritySetAt: string }
>;

export type GroupPasswordPolicyReplaced = DomainEvent<
  'GroupPasswordPolicyReplaced',
  GroupPasswordPolicy & {
    readonly updatedAt: string;
    /** When its priority was last set: among equal priorities the one set last comes first (Okta's insert). */
    readonly prioritySetAt: string;
  }
>;

export type GroupPasswordPolicyDeleted = DomainEvent<
  'GroupPasswordPolicyDeleted',
  { readonly policyId: string; readonly name: string; readonly deletedAt: string }
>;

export type GroupPasswordPolicyEvent =
  | GroupPasswordPolicyCreated
  | GroupPasswordPolicyReplaced
  | GroupPasswordPolicyDeleted;
