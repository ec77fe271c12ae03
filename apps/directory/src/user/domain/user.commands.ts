import type { CredentialProvider } from '@lapse/shared/core';
import type { AdminRoleType, UserProfile } from './user.state';

/**
 * Commands carry everything the decider needs from the edge: the time (`at`), generated ids and secrets
 * already hashed or sealed. Plaintext passwords never reach the decider.
 */
export type CreateUser = {
  readonly type: 'CreateUser';
  readonly userId: string;
  readonly profile: UserProfile;
  readonly provider: CredentialProvider;
  /** Hash of the given password, or the imported hash. */
  readonly password: {
    readonly hash: string;
    readonly changedAt: string;
    readonly by: 'ADMIN' | 'IMPORT';
  } | null;
  readonly activate: boolean;
  /** `nextLogin=changePassword`: created with the password already expired. */
  readonly expirePassword: boolean;
  /** Okta's `groupIds`: groups the user joins as created (checked to exist at the edge). */
  readonly groupIds?: readonly string[];
  readonly at: string;
};

export type ActivateUser = { readonly type: 'ActivateUser'; readonly at: string };
export type SuspendUser = { readonly type: 'SuspendUser'; readonly at: string };
export type UnsuspendUser = { readonly type: 'UnsuspendUser'; readonly at: string };
export type DeactivateUser = { readonly type: 'DeactivateUser'; readonly at: string };
export type LockUser = { readonly type: 'LockUser'; readonly at: string };
export type UnlockUser = { readonly type: 'UnlockUser'; readonly at: string };

/** Org setting that lets Lapse reset or expire passwords of delegated-authentication (AD/LDAP) users. */
export interface DelegationSetting {
  readonly delegatedPasswordReset: boolean;
}

export type SetPassword = {
  readonly type: 'SetPassword';
  readonly hash: string;
  readonly by: 'ADMIN' | 'IMPORT';
  /** Imports may carry the time the password was last changed at the source. */
  readonly changedAt: string;
  readonly at: string;
} & DelegationSetting;

export type ExpirePassword = {
  readonly type: 'ExpirePassword';
  readonly reason: string | null;
  readonly at: string;
} & DelegationSetting;

export type ExpirePasswordWithTemporaryPassword = {
  readonly type: 'ExpirePasswordWithTemporaryPassword';
  readonly hash: string;
  readonly expiresAt: string;
  readonly deliveryId: string;
  readonly delivery: {
    readonly channel: 'AUTO' | 'EMAIL' | 'VOICE';
    readonly sealedPassword: string;
    readonly kid: string;
  } | null;
  readonly revokeSessions: boolean;
  readonly reason: string | null;
  readonly at: string;
} & DelegationSetting;

export type ResetPassword = {
  readonly type: 'ResetPassword';
  readonly tokenHash: string;
  readonly expiresAt: string;
  /** `sendEmail=true`: the link sealed for the notifier, which emails it; null when the admin gets the link. */
  readonly email: {
    readonly deliveryId: string;
    readonly sealedLink: string;
    readonly kid: string;
  } | null;
  readonly revokeSessions: boolean;
  readonly at: string;
} & DelegationSetting;

/**
 * The edge proved `oldPassword` against `verifiedHash` and checked the new password against the policy;
 * the decider refuses if the password changed meanwhile (the proof is stale).
 */
/**
 * A user's own forgot-password request (self-service, `POST /api/v1/authn/recovery/password`): an emailed
 * one-use reset link that leaves the status as it is, so a stranger asking for someone's reset cannot lock
 * them out of their current password.
 */
export type RequestPasswordRecovery = {
  readonly type: 'RequestPasswordRecovery';
  readonly tokenHash: string;
  readonly expiresAt: string;
  readonly email: { readonly deliveryId: string; readonly sealedLink: string; readonly kid: string };
  readonly at: string;
} & DelegationSetting;

export type ChangePassword = {
  readonly type: 'ChangePassword';
  readonly verifiedHash: string;
  readonly newHash: string;
  readonly minAgeMinutes: number;
  readonly at: string;
} & DelegationSetting;

/**
 * The user followed a reset-password link: `tokenHash` is the link's SHA-256, `newHash` the new password
 * the edge already checked against the policy. Spends the link (one use): the user leaves RECOVERY.
 */
export type CompleteRecovery = {
  readonly type: 'CompleteRecovery';
  readonly tokenHash: string;
  readonly newHash: string;
  readonly at: string;
} & DelegationSetting;

/** The profile attributes an admin may change; a property left out is not in the patch. */
export type ProfilePatch = { readonly [K in keyof UserProfile]?: UserProfile[K] };

/**
 * Okta's `POST /api/v1/users/{id}` (partial: properties not sent keep their value) and `PUT` (strict,
 * `replace`: properties not sent become null). The patch is merged with the profile the decider folds, so
 * a retry after a version conflict keeps a concurrent change of other properties. `password` is a new
 * password the admin sets, already hashed and checked against the policy at the edge. Both, or either,
 * are applied as one append.
 */
export type UpdateUser = {
  readonly type: 'UpdateUser';
  readonly profile: { readonly patch: ProfilePatch; readonly replace: boolean } | null;
  readonly password: { readonly hash: string } | null;
  readonly at: string;
} & DelegationSetting;

/** One user's share of a bulk expiry; a no-op (no events) when the user is not targeted any more. */
export type ExpirePasswordInBulk = {
  readonly type: 'ExpirePasswordInBulk';
  readonly jobId: string;
  readonly cutoff: string;
  readonly reason: string | null;
  readonly at: string;
};

/**
 * The policy's maximum password age, applied by the age-expiry sweep (`../expire-by-age/`): a no-op (no
 * events) unless the user is ACTIVE, directory-mastered, not exempt and the password is `maxAgeDays` old.
 */
export type ExpirePasswordByAge = {
  readonly type: 'ExpirePasswordByAge';
  readonly maxAgeDays: number;
  readonly at: string;
};

/** An admin exempts a user from the policy's maximum password age (service accounts), or ends that. */
export type SetPasswordAgeExemption = {
  readonly type: 'SetPasswordAgeExemption';
  readonly exempt: boolean;
  readonly reason: string | null;
  readonly at: string;
};

/** Okta's `POST /api/v1/users/{id}/roles {type}`: `roleId` is generated at the edge. */
export type AssignAdminRole = {
  readonly type: 'AssignAdminRole';
  readonly roleId: string;
  readonly roleType: AdminRoleType;
  readonly at: string;
};

/** Okta's `DELETE /api/v1/users/{id}/roles/{roleId}`. */
export type RemoveAdminRole = {
  readonly type: 'RemoveAdminRole';
  readonly roleId: string;
  readonly at: string;
};

/** Okta's `PUT /api/v1/groups/{groupId}/users/{userId}`: a no-op for a member. */
export type AddUserToGroup = {
  readonly type: 'AddUserToGroup';
  readonly groupId: string;
  readonly at: string;
};

/** Okta's `DELETE /api/v1/groups/{groupId}/users/{userId}`: a no-op for a user who is not a member. */
export type RemoveUserFromGroup = {
  readonly type: 'RemoveUserFromGroup';
  readonly groupId: string;
  readonly at: string;
};

/** An administrator ends every session of the user (identity ends them on `SessionsRevoked`). */
export type ClearSessions = { readonly type: 'ClearSessions'; readonly at: string };

export type UserCommand =
  | CreateUser
  | ActivateUser
  | SuspendUser
  | UnsuspendUser
  | DeactivateUser
  | LockUser
  | UnlockUser
  | SetPassword
  | ExpirePassword
  | ExpirePasswordWithTemporaryPassword
  | ResetPassword
  | RequestPasswordRecovery
  | ChangePassword
  | CompleteRecovery
  | UpdateUser
  | ExpirePasswordInBulk
  | ExpirePasswordByAge
  | SetPasswordAgeExemption
  | AssignAdminRole
  | RemoveAdminRole
  | AddUserToGroup
  | RemoveUserFromGroup
  | ClearSessions;
