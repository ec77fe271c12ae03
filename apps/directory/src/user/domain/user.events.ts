import type { CredentialProvider, DomainEvent, PasswordExpiryCause, UserStatus } from '@lapse/shared/core';
import type { AdminRoleType, ExistingStatus, UserProfile } from './user.state';

/**
 * Private events of the `user-<uuid>` stream. They never leave directory as they are: the publication
 * (`directory.publication.ts`) maps them to the published v1 contracts.
 */
export type UserCreated = DomainEvent<
  'UserCreated',
  {
    readonly userId: string;
    readonly profile: UserProfile;
    readonly provider: CredentialProvider;
    readonly status: 'STAGED' | 'PROVISIONED' | 'ACTIVE';
    readonly password: {
      readonly hash: string | null;
      readonly changedAt: string | null;
      readonly by: 'ADMIN' | 'IMPORT';
    } | null;
    readonly createdAt: string;
  }
>;

export type StatusAction = 'ACTIVATE' | 'SUSPEND' | 'UNSUSPEND' | 'DEACTIVATE' | 'LOCK' | 'UNLOCK';

export type UserStatusChanged = DomainEvent<
  'UserStatusChanged',
  {
    readonly login: string;
    readonly action: StatusAction;
    readonly from: ExistingStatus;
    readonly to: ExistingStatus;
    readonly at: string;
  }
>;

/** An admin changed the profile: the whole profile after the change (`previousLogin` for the old login). */
export type UserProfileUpdated = DomainEvent<
  'UserProfileUpdated',
  {
    readonly previousLogin: string;
    readonly profile: UserProfile;
    readonly updatedAt: string;
  }
>;

export type PasswordSet = DomainEvent<
  'PasswordSet',
  {
    readonly login: string;
    readonly hash: string;
    readonly changedAt: string;
    /** USER: self-service change (old password proven); ADMIN: set by an admin; IMPORT: hash import. */
    readonly by: 'USER' | 'ADMIN' | 'IMPORT';
  }
>;

export type PasswordExpired = DomainEvent<
  'PasswordExpired',
  {
    readonly login: string;
    readonly provider: CredentialProvider;
    readonly cause: PasswordExpiryCause;
    readonly jobId: string | null;
    readonly reason: string | null;
    readonly expiredAt: string;
    /** AD/LDAP (delegated authentication): the directory agent applies the expiry in the source directory. */
    readonly delegated: boolean;
    /**
     * Bulk and age (cause POLICY) expiries only: the user's status after the expiry. Such an event stands in for the credential
     * snapshot (no CredentialStateRecorded follows it): the snapshot before it, with this status and
     * `passwordExpired`, is the credential after it (`credentialStateAfterBulkExpiry`).
     */
    readonly credentialStatus?: ExistingStatus;
  }
>;

/**
 * An admin assigned a temporary password: only its argon2id hash and, when it is to be delivered, the
 * plaintext sealed for the notifier (JWE). Never the plaintext.
 */
export type TemporaryPasswordIssued = DomainEvent<
  'TemporaryPasswordIssued',
  {
    readonly login: string;
    readonly provider: CredentialProvider;
    readonly hash: string;
    readonly issuedAt: string;
    readonly expiresAt: string;
    readonly deliveryId: string;
    readonly channel: 'AUTO' | 'EMAIL' | 'VOICE' | null;
    readonly sealedPassword: string | null;
    readonly kid: string | null;
    readonly contact: {
      readonly email: string | null;
      readonly mobilePhone: string | null;
      readonly firstName: string | null;
    };
    readonly reason: string | null;
  }
>;

export type RecoveryStarted = DomainEvent<
  'RecoveryStarted',
  {
    readonly login: string;
    readonly tokenHash: string;
    readonly startedAt: string;
    readonly expiresAt: string;
    /**
     * Additive: set when the link is to be emailed (`sendEmail=true`): only sealed for the notifier (JWE),
     * with the contact it goes to. Absent on links handed to the admin.
     */
    readonly email?: {
      readonly deliveryId: string;
      readonly sealedLink: string;
      readonly kid: string;
      readonly to: string | null;
      readonly firstName: string | null;
      readonly lastName: string | null;
    };
    /**
     * Additive: true for the user's own forgot-password request. The link is kept beside the status
     * (`pendingRecovery`) instead of moving the user to RECOVERY: the current password keeps working.
     */
    readonly selfService?: boolean;
  }
>;

/** An admin exempted the user from the policy's maximum password age (`exempt`), or ended the exemption. */
export type PasswordAgeExemptionSet = DomainEvent<
  'PasswordAgeExemptionSet',
  {
    readonly login: string;
    readonly exempt: boolean;
    readonly reason: string | null;
    readonly at: string;
  }
>;

export type SessionsRevoked = DomainEvent<
  'SessionsRevoked',
  { readonly reason: string; readonly revokedAt: string }
>;

/** An admin role was assigned to the user (System Log `user.account.privilege.grant`). */
export type AdminRoleAssigned = DomainEvent<
  'AdminRoleAssigned',
  {
    readonly login: string;
    readonly roleId: string;
    readonly roleType: AdminRoleType;
    readonly assignedAt: string;
  }
>;

/** An admin role was taken from the user (System Log `user.account.privilege.revoke`). */
export type AdminRoleRemoved = DomainEvent<
  'AdminRoleRemoved',
  {
    readonly login: string;
    readonly roleId: string;
    readonly roleType: AdminRoleType;
    readonly removedAt: string;
  }
>;

/**
 * The user joined a group (System Log `group.user_membership.add`). Memberships are the user's facts, in the
 * user's stream, so a consumer keyed by user learns them in order with the user's credential facts.
 */
export type UserAddedToGroup = DomainEvent<
  'UserAddedToGroup',
  { readonly login: string; readonly groupId: string; readonly addedAt: string }
>;

/** The user left a group (System Log `group.user_membership.remove`). */
export type UserRemovedFromGroup = DomainEvent<
  'UserRemovedFromGroup',
  { readonly login: string; readonly groupId: string; readonly removedAt: string }
>;

/** What identity needs to verify a password and gate a session; `credentialVersion` is this event's stream version. */
export interface CredentialSnapshot {
  readonly userId: string;
  readonly login: string;
  readonly provider: CredentialProvider;
  readonly status: UserStatus;
  readonly passwordHash: string | null;
  readonly passwordChangedAt: string | null;
  readonly passwordExpired: boolean;
  readonly oneTimePassword: { readonly expiresAt: string } | null;
  /** Present (true) only while the user is exempt from the policy's maximum age. */
  readonly passwordAgeExempt?: true;
  readonly changedAt: string;
}

/** Appended by `decide` whenever the sign-in-relevant state changed; published as CredentialStateChanged. */
export type CredentialStateRecorded = DomainEvent<'CredentialStateRecorded', CredentialSnapshot>;

export type UserEvent =
  | UserCreated
  | UserStatusChanged
  | UserProfileUpdated
  | PasswordSet
  | PasswordExpired
  | TemporaryPasswordIssued
  | RecoveryStarted
  | SessionsRevoked
  | PasswordAgeExemptionSet
  | CredentialStateRecorded
  | AdminRoleAssigned
  | AdminRoleRemoved
  | UserAddedToGroup
  | UserRemovedFromGroup;

export type UserEventType = UserEvent['type'];
