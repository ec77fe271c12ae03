import type { CredentialProvider, PasswordExpiryCause, UserStatus } from '@lapse/shared/core';

/** Okta's profile attributes Lapse knows about. */
export interface UserProfile {
  readonly login: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly mobilePhone: string | null;
  readonly secondEmail?: string | null;
  readonly displayName?: string | null;
}

/** The password credential: an argon2id hash (null for delegated users whose password lives in AD/LDAP). */
export interface Password {
  readonly hash: string | null;
  readonly changedAt: string | null;
}

/** An admin-assigned temporary password: the user is in one-time password mode until it is changed. */
export interface TemporaryPassword {
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly deliveryId: string;
  /** Null when the admin delivers it (`deliver=none`). */
  readonly channel: 'AUTO' | 'EMAIL' | 'VOICE' | null;
}

/** Why and since when the password must be changed at next sign-in. */
export interface Expiry {
  readonly cause: PasswordExpiryCause;
  readonly jobId: string | null;
  readonly reason: string | null;
  readonly expiredAt: string;
  /** Set when the expiry came with a temporary password (one-time password mode). */
  readonly temporary: TemporaryPassword | null;
}

export interface Recovery {
  readonly tokenHash: string;
  readonly expiresAt: string;
  readonly startedAt: string;
}

/** The admin roles Lapse knows (a subset of Okta's standard roles). */
export type AdminRoleType = 'SUPER_ADMIN' | 'USER_ADMIN' | 'READ_ONLY_ADMIN';

/** An admin role assigned to the user (Okta's role assignment with `assignmentType: USER`). */
export interface AdminRoleAssignment {
  readonly roleId: string;
  readonly type: AdminRoleType;
  readonly assignedAt: string;
}

interface UserCore {
  readonly userId: string;
  readonly profile: UserProfile;
  readonly provider: CredentialProvider;
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly statusChangedAt: string | null;
  readonly lastUpdatedAt: string;
  /** Hashes of earlier passwords, newest first (for the policy's `historyCount`). */
  readonly passwordHistory: readonly string[];
  /**
   * Set (only ever `true`) while an admin has exempted the user from the policy's maximum password age
   * (service accounts): neither the age-expiry sweep, nor the reminders, nor the age check at sign-in apply.
   */
  readonly passwordAgeExempt?: true;
  /**
   * The user's own outstanding forgot-password link, whatever the status. Not carried by `coreOf`, so every
   * change of status or credential (a new password, an expiry, a temporary password, a lock, an admin's
   * reset) ends it; a profile update keeps it.
   */
  readonly pendingRecovery?: Recovery;
  /** Admin roles held; absent on users folded before roles existed (read as none). */
  readonly adminRoles?: readonly AdminRoleAssignment[];
  /**
   * The groups the user was added to, in order; absent when none. A deleted group's id may remain (its
   * `GroupDeleted` ends every membership): readers join the groups read model.
   */
  readonly groupIds?: readonly string[];
}

export type NoUser = { readonly status: 'NONE' };
export type StagedUser = UserCore & { readonly status: 'STAGED'; readonly password: Password | null };
export type ProvisionedUser = UserCore & { readonly status: 'PROVISIONED'; readonly password: null };
export type ActiveUser = UserCore & { readonly status: 'ACTIVE'; readonly password: Password | null };
export type PasswordExpiredUser = UserCore & {
  readonly status: 'PASSWORD_EXPIRED';
  readonly password: Password | null;
  readonly expiry: Expiry;
};
/** A reset link is outstanding; an earlier expiry stays in force until the password is changed. */
export type RecoveryUser = UserCore & {
  readonly status: 'RECOVERY';
  readonly password: Password | null;
  readonly recovery: Recovery;
  readonly expiry: Expiry | null;
};
/** Locked or suspended users keep a pending expiry: it is back in force when they return. */
export type LockedOutUser = UserCore & {
  readonly status: 'LOCKED_OUT';
  readonly password: Password | null;
  readonly expiry: Expiry | null;
  readonly lockedAt: string;
};
export type SuspendedUser = UserCore & {
  readonly status: 'SUSPENDED';
  readonly password: Password | null;
  readonly expiry: Expiry | null;
};
export type DeprovisionedUser = UserCore & {
  readonly status: 'DEPROVISIONED';
  readonly password: Password | null;
};

export type ExistingUser =
  | StagedUser
  | ProvisionedUser
  | ActiveUser
  | PasswordExpiredUser
  | RecoveryUser
  | LockedOutUser
  | SuspendedUser
  | DeprovisionedUser;

export type UserState = NoUser | ExistingUser;

/** Every status an existing user can have (the published `UserStatus`). */
export type ExistingStatus = ExistingUser['status'] & UserStatus;

/** The groups the user was added to (see `groupIds`). */
export function groupIdsOf(state: UserState): readonly string[] {
  return state.status === 'NONE' ? [] : (state.groupIds ?? []);
}

export function expiryOf(state: UserState): Expiry | null {
  switch (state.status) {
    case 'PASSWORD_EXPIRED':
      return state.expiry;
    case 'RECOVERY':
    case 'LOCKED_OUT':
    case 'SUSPENDED':
      return state.expiry;
    default:
      return null;
  }
}

export function passwordOf(state: UserState): Password | null {
  return state.status === 'NONE' ? null : state.password;
}

/** True while an admin-assigned temporary password is the user's password. */
export function isInOneTimePasswordMode(state: UserState): boolean {
  return expiryOf(state)?.temporary != null;
}

export const ONE_TIME_PASSWORD_MODE_MESSAGE = 'Password reset. User is now in one-time password mode.';

export function adminRolesOf(state: UserState): readonly AdminRoleAssignment[] {
  return state.status === 'NONE' ? [] : (state.adminRoles ?? []);
}
