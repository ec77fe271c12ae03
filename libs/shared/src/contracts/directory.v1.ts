import type { PasswordPolicyV1 } from './password-policy.v1';

/**
 * Published contracts of the directory service, schema version 1. These are the only shapes that cross a
 * service boundary; domain events stay private to directory. Additive changes only: a breaking change is
 * a new schema version with its own file, and the old one stays frozen.
 */
export type CredentialProviderType =
  | 'OKTA'
  | 'ACTIVE_DIRECTORY'
  | 'LDAP'
  | 'FEDERATION'
  | 'SOCIAL'
  | 'IMPORT';

export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

export type PasswordExpiryCause = 'ADMIN' | 'ADMIN_TEMP_PASSWORD' | 'BULK' | 'POLICY';

export interface CredentialProvider {
  readonly type: CredentialProviderType;
  readonly name: string;
}

/** Topic `lapse.directory.users.v1`, key user id. */
export interface UserCreatedV1 {
  readonly userId: string;
  readonly login: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly mobilePhone: string | null;
  readonly provider: CredentialProvider;
  readonly status: UserStatus;
  readonly createdAt: string;
  /**
   * Additive: when the password given at creation was set (an import may carry an earlier time); null
   * without a password. The notifier's reminders count the password's age from it.
   */
  readonly passwordChangedAt?: string | null;
}

/**
 * Topic `lapse.directory.users.v1`, key user id. An admin changed the profile (`POST`/`PUT
 * /api/v1/users/{id}`): the whole profile after the change. `previousLogin` differs from `login` when the
 * login changed. Identity learns a new login from the CredentialStateChanged that follows such a change.
 */
export interface UserProfileUpdatedV1 {
  readonly userId: string;
  readonly login: string;
  readonly previousLogin: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly mobilePhone: string | null;
  readonly updatedAt: string;
}

/** Topic `lapse.directory.users.v1`, key user id. */
export interface UserStatusChangedV1 {
  readonly userId: string;
  readonly login: string;
  readonly from: UserStatus;
  readonly to: UserStatus;
  readonly changedAt: string;
}

/** Topic `lapse.directory.users.v1`, key user id. */
export interface PasswordExpiredV1 {
  readonly userId: string;
  readonly login: string;
  readonly provider: CredentialProvider;
  readonly cause: PasswordExpiryCause;
  readonly jobId?: string;
  readonly reason?: string;
  readonly expiredAt: string;
  /**
   * Additive, on bulk expiries (cause BULK), which publish no CredentialStateChanged: the user's credential
   * is now their latest snapshot with this `status`, `passwordExpired: true` and `changedAt = expiredAt`, at
   * this `credentialVersion` (apply it only over a lower one).
   */
  readonly status?: UserStatus;
  readonly credentialVersion?: number;
}

/** Topic `lapse.directory.users.v1`, key user id. No password or hash: only that it changed. */
export interface PasswordChangedV1 {
  readonly userId: string;
  readonly login: string;
  readonly changedAt: string;
  /** USER (self-service change), ADMIN (admin set), IMPORT (hash import). */
  readonly by: 'USER' | 'ADMIN' | 'IMPORT';
}

/**
 * Topic `lapse.directory.users.v1`, key user id. An admin exempted the user from the password policy's
 * maximum age (`exempt`: true), or ended the exemption: no age expiry, no reminder, no age check at sign-in.
 */
export interface PasswordAgeExemptionChangedV1 {
  readonly userId: string;
  readonly login: string;
  readonly exempt: boolean;
  readonly changedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key `password-policy`. The password policy's age settings after an
 * admin's change (`PUT /api/v1/policies/password`): the notifier schedules its reminders from them.
 */
export interface PasswordPolicyUpdatedV1 {
  /** 0: passwords never expire by age. */
  readonly maxAgeDays: number;
  /** Days before the maximum age in which users are warned (0: never). */
  readonly expireWarnDays: number;
  readonly updatedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key policy id. A password policy scoped to groups, as it is after an
 * administrator created, replaced, activated or deactivated it: its conditions, its place (`priority`, 1
 * first; among equal priorities the one whose priority was set last, `prioritySetAt`, comes first) and its
 * `settings.password`. Resolve a user's policy with `effectivePasswordPolicy` (password-policy.v1).
 */
export interface GroupPasswordPolicyChangedV1 {
  readonly policyId: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'INACTIVE';
  readonly priority: number;
  readonly prioritySetAt: string;
  readonly groupIds: readonly string[];
  readonly provider: 'OKTA' | 'ACTIVE_DIRECTORY';
  readonly settings: PasswordPolicyV1;
  readonly changedAt: string;
}

/** Topic `lapse.directory.users.v1`, key policy id. The group policy is gone; its members fall to the next. */
export interface GroupPasswordPolicyDeletedV1 {
  readonly policyId: string;
  readonly deletedAt: string;
}

/** Topic `lapse.directory.users.v1`, key user id. Identity ends the user's sessions. */
export interface SessionsRevokedV1 {
  readonly userId: string;
  readonly reason: string;
  readonly revokedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key token id. An admin API token was revoked: services that cache
 * admin-token introspection answers drop the token's entry. Never carries the token or its hash.
 */
export interface AdminTokenRevokedV1 {
  readonly tokenId: string;
  readonly revokedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key job id. The single fact that enforces a bulk expiry: every user
 * of `providers` whose password was last set before `cutoff` is expired. Published before any per-user
 * event, so enforcement at identity is O(1).
 */
export interface BulkPasswordExpiryStartedV1 {
  readonly jobId: string;
  readonly cutoff: string;
  readonly providers: readonly CredentialProviderType[];
  /**
   * Additive: the expiry is scoped to the users who are members of one of these groups (as the consumer knows
   * membership from UserAddedToGroup, UserRemovedFromGroup and GroupDeleted); absent: every user of `providers`.
   */
  readonly groupIds?: readonly string[];
  /**
   * Additive: the expiry is scoped to an explicit set of this many users, listed by the job's
   * `BulkPasswordExpiryUsersScoped` chunks that follow (same key, so in order): a consumer applies the cutoff
   * only to the users those chunks list (and of `providers`, and of `groupIds` when present). Absent: no set.
   */
  readonly scopedUsers?: number;
  /**
   * Additive: staged in `count` waves of `size` users, `intervalMinutes` apart. Each wave's users arrive as
   * `BulkPasswordExpiryUsersScoped` chunks carrying `wave` when the wave starts; until then the cutoff applies
   * to none of them.
   */
  readonly waves?: { readonly size: number; readonly intervalMinutes: number; readonly count: number };
  readonly total: number;
  readonly reason?: string;
  readonly startedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key job id. One chunk (at most 5,000 ids) of the explicit user set of a
 * bulk expiry whose `BulkPasswordExpiryStarted` carries `scopedUsers`; chunk `chunk` of `chunks`, after the
 * start. The expiry applies to a listed user once their chunk is in.
 */
export interface BulkPasswordExpiryUsersScopedV1 {
  readonly jobId: string;
  readonly chunk: number;
  readonly chunks: number;
  readonly userIds: readonly string[];
  /** Additive: the wave of a staged expiry these users belong to (chunk `chunk` of that wave's `chunks`). */
  readonly wave?: number;
}

/**
 * Topic `lapse.directory.users.v1`, key group id. An administrator created a group (Okta's `OKTA_GROUP`).
 */
export interface GroupCreatedV1 {
  readonly groupId: string;
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: string;
}

/** Topic `lapse.directory.users.v1`, key group id. The group's profile after an administrator's change. */
export interface GroupProfileUpdatedV1 {
  readonly groupId: string;
  readonly name: string;
  readonly description: string | null;
  readonly updatedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key group id. The group is gone, and every membership in it with it (no
 * `UserRemovedFromGroup` per member follows): a consumer drops the group's memberships.
 */
export interface GroupDeletedV1 {
  readonly groupId: string;
  readonly deletedAt: string;
}

/**
 * Topic `lapse.directory.users.v1`, key user id: the user joined the group. Keyed by user, so a consumer
 * learns a user's memberships in order with the user's other facts.
 */
export interface UserAddedToGroupV1 {
  readonly userId: string;
  readonly login: string;
  readonly groupId: string;
  readonly addedAt: string;
}

/** Topic `lapse.directory.users.v1`, key user id: the user left the group. */
export interface UserRemovedFromGroupV1 {
  readonly userId: string;
  readonly login: string;
  readonly groupId: string;
  readonly removedAt: string;
}

/** Topic `lapse.directory.users.v1`, key job id. */
export interface BulkPasswordExpiryCompletedV1 {
  readonly jobId: string;
  readonly expired: number;
  readonly skipped: number;
  readonly completedAt: string;
}

/**
 * Restricted topic `lapse.directory.credentials.v1` (identity only), key user id. A full snapshot of what
 * identity needs to verify a password and gate a session, sent on every credential change. Snapshots of
 * one user carry increasing `credentialVersion`; a consumer keeps the highest.
 */
export interface CredentialStateChangedV1 {
  readonly userId: string;
  readonly login: string;
  readonly provider: CredentialProvider;
  readonly status: UserStatus;
  readonly credentialVersion: number;
  /** argon2id PHC string, or null when the user has no password (federation, social, staged). */
  readonly passwordHash: string | null;
  readonly passwordChangedAt: string | null;
  readonly passwordExpired: boolean;
  /** Set while the user is in one-time password mode (temporary password assigned by an admin). */
  readonly oneTimePassword: { readonly expiresAt: string } | null;
  /**
   * Additive: present (true) only while an admin has exempted the user from the policy's maximum password
   * age; identity's age check at sign-in then leaves the password alone. Absent means not exempt.
   */
  readonly passwordAgeExempt?: true;
  readonly changedAt: string;
}

/**
 * Restricted topic `lapse.directory.deliveries.v1` (notifier only), key user id. The temporary password
 * sealed for the notifier (JWE compact serialization, ECDH-ES+A256KW / A256GCM, `kid` in the header).
 */
export interface TemporaryPasswordDeliveryRequestedV1 {
  readonly deliveryId: string;
  readonly userId: string;
  readonly login: string;
  readonly email: string | null;
  readonly mobilePhone: string | null;
  readonly firstName: string | null;
  /** AUTO lets the notifier choose (email, else voice when allowed). */
  readonly channel: 'AUTO' | 'EMAIL' | 'VOICE';
  readonly sealedPassword: string;
  readonly kid: string;
  readonly expiresAt: string;
}

/**
 * Restricted topic `lapse.directory.deliveries.v1` (notifier only), key user id. An admin's reset link
 * (`reset_password?sendEmail=true`) to email to the user: the link is a secret, so it travels only sealed
 * for the notifier (JWE compact serialization, ECDH-ES+A256KW / A256GCM, `kid` in the header; plaintext
 * `{resetPasswordUrl, userId, deliveryId, expiresAt}`).
 */
export interface PasswordResetEmailRequestedV1 {
  readonly deliveryId: string;
  readonly userId: string;
  readonly login: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly sealedLink: string;
  readonly kid: string;
  /** When the link stops working. */
  readonly expiresAt: string;
}

export const DIRECTORY_EVENT_TYPES = {
  UserCreated: 'UserCreated',
  UserStatusChanged: 'UserStatusChanged',
  UserProfileUpdated: 'UserProfileUpdated',
  PasswordExpired: 'PasswordExpired',
  PasswordChanged: 'PasswordChanged',
  SessionsRevoked: 'SessionsRevoked',
  BulkPasswordExpiryStarted: 'BulkPasswordExpiryStarted',
  BulkPasswordExpiryCompleted: 'BulkPasswordExpiryCompleted',
  BulkPasswordExpiryUsersScoped: 'BulkPasswordExpiryUsersScoped',
  CredentialStateChanged: 'CredentialStateChanged',
  TemporaryPasswordDeliveryRequested: 'TemporaryPasswordDeliveryRequested',
  PasswordResetEmailRequested: 'PasswordResetEmailRequested',
  AdminTokenRevoked: 'AdminTokenRevoked',
  PasswordAgeExemptionChanged: 'PasswordAgeExemptionChanged',
  PasswordPolicyUpdated: 'PasswordPolicyUpdated',
  GroupCreated: 'GroupCreated',
  GroupProfileUpdated: 'GroupProfileUpdated',
  GroupDeleted: 'GroupDeleted',
  UserAddedToGroup: 'UserAddedToGroup',
  UserRemovedFromGroup: 'UserRemovedFromGroup',
  GroupPasswordPolicyChanged: 'GroupPasswordPolicyChanged',
  GroupPasswordPolicyDeleted: 'GroupPasswordPolicyDeleted',
} as const;
