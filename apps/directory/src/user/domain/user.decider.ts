import {
  assertNever,
  type CredentialProviderType,
  CredentialUpdateFailedError,
  type Decider,
  DomainError,
  MasteredElsewhereError,
  NotAllowedInStatusError,
  NotFoundError,
  ValidationFailedError,
} from '@lapse/shared/core';
import type {
  ActivateUser,
  AddUserToGroup,
  AssignAdminRole,
  ClearSessions,
  ChangePassword,
  CompleteRecovery,
  CreateUser,
  DeactivateUser,
  DelegationSetting,
  ExpirePassword,
  ExpirePasswordByAge,
  ExpirePasswordInBulk,
  ExpirePasswordWithTemporaryPassword,
  LockUser,
  RemoveAdminRole,
  RemoveUserFromGroup,
  RequestPasswordRecovery,
  ResetPassword,
  SetPassword,
  SetPasswordAgeExemption,
  SuspendUser,
  UnlockUser,
  UnsuspendUser,
  UpdateUser,
  UserCommand,
} from './user.commands';
import type { CredentialSnapshot, StatusAction, UserEvent } from './user.events';
import {
  adminRolesOf,
  groupIdsOf,
  type ExistingStatus,
  type ExistingUser,
  type Expiry,
  expiryOf,
  isInOneTimePasswordMode,
  type Password,
  passwordOf,
  type Recovery,
  type UserProfile,
  type UserState,
} from './user.state';

const HISTORY_KEPT = 24;
const MASTERED_ELSEWHERE: readonly CredentialProviderType[] = ['FEDERATION', 'SOCIAL'];
const DELEGATED: readonly CredentialProviderType[] = ['ACTIVE_DIRECTORY', 'LDAP'];
const LOCAL: readonly CredentialProviderType[] = ['OKTA', 'IMPORT'];

export const isDelegated = (type: CredentialProviderType) => DELEGATED.includes(type);
export const isLocal = (type: CredentialProviderType) => LOCAL.includes(type);

/** Okta's message for E0000014 when the old password does not verify. */
export const OLD_PASSWORD_NOT_CORRECT = 'Old Password is not correct';
export const PASSWORD_CHANGED_TOO_RECENTLY = 'Password has been changed too recently';

/** Unknown, spent, superseded or expired reset link: one answer for all (Okta's E0000105). */
export const recoveryLinkInvalid = () =>
  new DomainError(
    'E0000105',
    'You have accessed an account recovery link that has expired or been previously used.',
  );

/**
 * True while `tokenHash` is the user's outstanding reset link and it has not expired. A newer link
 * replaces the recorded hash (supersedes); leaving RECOVERY (password set, expired, locked…) drops it.
 */
export function isLiveRecoveryLink(state: UserState, tokenHash: string, at: string): boolean {
  return liveRecoveryLink(state, tokenHash, at) !== null;
}

/** The link with this hash while it is live: an admin's reset (RECOVERY) or the user's own request. */
export function liveRecoveryLink(state: UserState, tokenHash: string, at: string): Recovery | null {
  if (state.status === 'NONE') return null;
  const links = [state.status === 'RECOVERY' ? state.recovery : null, state.pendingRecovery ?? null];
  return (
    links.find(
      (link) => link !== null && link.tokenHash === tokenHash && Date.parse(at) < Date.parse(link.expiresAt),
    ) ?? null
  );
}

// ---------------------------------------------------------------------------------------------------------
// decide

function existing(state: UserState): ExistingUser {
  if (state.status === 'NONE') throw new NotFoundError('User');
  return state;
}

function allowIn<S extends ExistingStatus>(
  user: ExistingUser,
  statuses: readonly S[],
): Extract<ExistingUser, { status: S }> {
  if (!statuses.includes(user.status as S)) throw new NotAllowedInStatusError();
  return user as Extract<ExistingUser, { status: S }>;
}

/**
 * Who may touch the password: federation and social users have none (E0000023); AD/LDAP users
 * (delegated authentication) may have it expired, which the directory agent applies, but setting a new
 * one needs the org's delegated password reset setting.
 */
function requirePasswordAuthority(
  user: ExistingUser,
  operation: 'expire' | 'set',
  setting: DelegationSetting,
): void {
  const type = user.provider.type;
  if (MASTERED_ELSEWHERE.includes(type)) throw new MasteredElsewhereError();
  if (operation === 'set' && isDelegated(type) && !setting.delegatedPasswordReset)
    throw new MasteredElsewhereError();
}

function create(command: CreateUser, state: UserState): UserEvent[] {
  if (state.status !== 'NONE') {
    throw new ValidationFailedError([
      'login: An object with this field already exists in the current organization',
    ]);
  }
  if (command.expirePassword && !command.password) {
    throw new DomainError(
      'E0000124',
      'Could not create user. To create a user and expire their password immediately, a password must be specified',
    );
  }
  if (command.expirePassword && !command.activate) {
    throw new DomainError(
      'E0000125',
      'Could not create user. To create a user and expire their password immediately, `activate` must be true',
    );
  }
  if (command.password && MASTERED_ELSEWHERE.includes(command.provider.type)) {
    throw new ValidationFailedError([
      `credentials.password: a ${command.provider.type} user has no password`,
    ]);
  }
  const status = !command.activate
    ? 'STAGED'
    : command.password || !isLocal(command.provider.type)
      ? 'ACTIVE'
      : 'PROVISIONED';
  const events: UserEvent[] = [
    {
      type: 'UserCreated',
      schemaVersion: 1,
      data: {
        userId: command.userId,
        profile: command.profile,
        provider: command.provider,
        status,
        password: command.password
          ? { hash: command.password.hash, changedAt: command.password.changedAt, by: command.password.by }
          : null,
        createdAt: command.at,
      },
    },
  ];
  if (command.expirePassword) {
    events.push({
      type: 'PasswordExpired',
      schemaVersion: 1,
      data: {
        login: command.profile.login,
        provider: command.provider,
        cause: 'ADMIN',
        jobId: null,
        reason: 'nextLogin=changePassword',
        expiredAt: command.at,
        delegated: isDelegated(command.provider.type),
      },
    });
  }
  for (const groupId of new Set(command.groupIds ?? [])) {
    events.push({
      type: 'UserAddedToGroup',
      schemaVersion: 1,
      data: { login: command.profile.login, groupId, addedAt: command.at },
    });
  }
  return events;
}

/**
 * Why directory ends a user's sessions, as identity and the System Log receive it. Okta ends them when the
 * user is suspended or deactivated, when a reset link is used, and when an admin asks (`revokeSessions=true`
 * with a temporary password or a reset link); a plain `expire_password` keeps them.
 */
export const SESSIONS_REVOKED_BECAUSE = {
  suspended: 'USER_SUSPENDED',
  deactivated: 'USER_DEACTIVATED',
  recoveryCompleted: 'RECOVERY_COMPLETED',
  temporaryPassword: 'TEMPORARY_PASSWORD',
  passwordReset: 'PASSWORD_RESET',
  admin: 'ADMIN_REVOKED',
} as const;

function sessionsRevoked(reason: string, at: string): UserEvent {
  return { type: 'SessionsRevoked', schemaVersion: 1, data: { reason, revokedAt: at } };
}

function statusChange(user: ExistingUser, action: StatusAction, to: ExistingStatus, at: string): UserEvent[] {
  return [
    {
      type: 'UserStatusChanged',
      schemaVersion: 1,
      data: { login: user.profile.login, action, from: user.status, to, at },
    },
  ];
}

/** Where a user returns to (unlock, unsuspend): an expiry still pending keeps the password expired. */
function returningStatus(user: ExistingUser): 'ACTIVE' | 'PASSWORD_EXPIRED' {
  return expiryOf(user) ? 'PASSWORD_EXPIRED' : 'ACTIVE';
}

function activate(command: ActivateUser, state: UserState): UserEvent[] {
  const user = existing(state);
  if (user.status !== 'STAGED' && user.status !== 'DEPROVISIONED') {
    if (user.status === 'PROVISIONED') throw new NotAllowedInStatusError();
    throw new DomainError('E0000016', 'Activation failed because the user is already active');
  }
  const to = user.password || !isLocal(user.provider.type) ? 'ACTIVE' : 'PROVISIONED';
  return statusChange(user, 'ACTIVATE', to, command.at);
}

function suspend(command: SuspendUser, state: UserState): UserEvent[] {
  const user = allowIn(existing(state), ['ACTIVE', 'PASSWORD_EXPIRED'] as const);
  return [
    ...statusChange(user, 'SUSPEND', 'SUSPENDED', command.at),
    sessionsRevoked(SESSIONS_REVOKED_BECAUSE.suspended, command.at),
  ];
}

function unsuspend(command: UnsuspendUser, state: UserState): UserEvent[] {
  const user = allowIn(existing(state), ['SUSPENDED'] as const);
  return statusChange(user, 'UNSUSPEND', returningStatus(user), command.at);
}

function deactivate(command: DeactivateUser, state: UserState): UserEvent[] {
  const user = existing(state);
  if (user.status === 'DEPROVISIONED') throw new NotAllowedInStatusError();
  return [
    ...statusChange(user, 'DEACTIVATE', 'DEPROVISIONED', command.at),
    sessionsRevoked(SESSIONS_REVOKED_BECAUSE.deactivated, command.at),
  ];
}

function lock(command: LockUser, state: UserState): UserEvent[] {
  const user = existing(state);
  if (user.status === 'LOCKED_OUT') return [];
  allowIn(user, ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY'] as const);
  return statusChange(user, 'LOCK', 'LOCKED_OUT', command.at);
}

function unlock(command: UnlockUser, state: UserState): UserEvent[] {
  const user = existing(state);
  if (!isLocal(user.provider.type)) throw new MasteredElsewhereError();
  allowIn(user, ['LOCKED_OUT'] as const);
  return statusChange(user, 'UNLOCK', returningStatus(user), command.at);
}

function setPassword(command: SetPassword, state: UserState): UserEvent[] {
  const user = allowIn(existing(state), [
    'STAGED',
    'PROVISIONED',
    'ACTIVE',
    'PASSWORD_EXPIRED',
    'RECOVERY',
    'LOCKED_OUT',
  ] as const);
  requirePasswordAuthority(user, 'set', command);
  return [
    {
      type: 'PasswordSet',
      schemaVersion: 1,
      data: { login: user.profile.login, hash: command.hash, changedAt: command.changedAt, by: command.by },
    },
  ];
}

function expire(command: ExpirePassword, state: UserState): UserEvent[] {
  const user = allowIn(existing(state), ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY'] as const);
  requirePasswordAuthority(user, 'expire', command);
  return [
    {
      type: 'PasswordExpired',
      schemaVersion: 1,
      data: {
        login: user.profile.login,
        provider: user.provider,
        cause: 'ADMIN',
        jobId: null,
        reason: command.reason,
        expiredAt: command.at,
        delegated: isDelegated(user.provider.type),
      },
    },
  ];
}

function expireWithTemporaryPassword(
  command: ExpirePasswordWithTemporaryPassword,
  state: UserState,
): UserEvent[] {
  const user = allowIn(existing(state), ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY'] as const);
  requirePasswordAuthority(user, 'set', command);
  const events: UserEvent[] = [
    {
      type: 'TemporaryPasswordIssued',
      schemaVersion: 1,
      data: {
        login: user.profile.login,
        provider: user.provider,
        hash: command.hash,
        issuedAt: command.at,
        expiresAt: command.expiresAt,
        deliveryId: command.deliveryId,
        channel: command.delivery?.channel ?? null,
        sealedPassword: command.delivery?.sealedPassword ?? null,
        kid: command.delivery?.kid ?? null,
        contact: {
          email: user.profile.email,
          mobilePhone: user.profile.mobilePhone,
          firstName: user.profile.firstName,
        },
        reason: command.reason,
      },
    },
  ];
  if (command.revokeSessions)
    events.push(sessionsRevoked(SESSIONS_REVOKED_BECAUSE.temporaryPassword, command.at));
  return events;
}

function reset(command: ResetPassword, state: UserState): UserEvent[] {
  const user = existing(state);
  if (isInOneTimePasswordMode(user)) {
    throw new DomainError(
      'E0000507',
      'Reset password is not allowed while the user is in one-time password mode.',
    );
  }
  allowIn(user, ['ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY', 'LOCKED_OUT'] as const);
  requirePasswordAuthority(user, 'set', command);
  const events: UserEvent[] = [
    {
      type: 'RecoveryStarted',
      schemaVersion: 1,
      data: {
        login: user.profile.login,
        tokenHash: command.tokenHash,
        startedAt: command.at,
        expiresAt: command.expiresAt,
        ...(command.email
          ? {
              email: {
                ...command.email,
                to: user.profile.email,
                firstName: user.profile.firstName,
                lastName: user.profile.lastName,
              },
            }
          : {}),
      },
    },
  ];
  if (command.revokeSessions)
    events.push(sessionsRevoked(SESSIONS_REVOKED_BECAUSE.passwordReset, command.at));
  return events;
}

function requestRecovery(command: RequestPasswordRecovery, state: UserState): UserEvent[] {
  const user = existing(state);
  if (isInOneTimePasswordMode(user)) {
    throw new DomainError(
      'E0000507',
      'Reset password is not allowed while the user is in one-time password mode.',
    );
  }
  allowIn(user, ['ACTIVE', 'PASSWORD_EXPIRED'] as const);
  requirePasswordAuthority(user, 'set', command);
  return [
    {
      type: 'RecoveryStarted',
      schemaVersion: 1,
      data: {
        login: user.profile.login,
        tokenHash: command.tokenHash,
        startedAt: command.at,
        expiresAt: command.expiresAt,
        email: {
          ...command.email,
          to: user.profile.email,
          firstName: user.profile.firstName,
          lastName: user.profile.lastName,
        },
        selfService: true,
      },
    },
  ];
}

function change(command: ChangePassword, state: UserState): UserEvent[] {
  const user = allowIn(existing(state), ['STAGED', 'ACTIVE', 'PASSWORD_EXPIRED', 'RECOVERY'] as const);
  requirePasswordAuthority(user, 'set', command);
  if (!user.password?.hash || user.password.hash !== command.verifiedHash) {
    throw new CredentialUpdateFailedError([OLD_PASSWORD_NOT_CORRECT]);
  }
  const expiry = expiryOf(user);
  if (expiry?.temporary && Date.parse(command.at) > Date.parse(expiry.temporary.expiresAt)) {
    throw new DomainError(
      'LAPSE0001',
      'The temporary password has expired. Ask an administrator for a new one.',
    );
  }
  const changedAt = user.password.changedAt;
  if (!expiry && changedAt && command.minAgeMinutes > 0) {
    const ageMinutes = (Date.parse(command.at) - Date.parse(changedAt)) / 60_000;
    if (ageMinutes < command.minAgeMinutes)
      throw new CredentialUpdateFailedError([PASSWORD_CHANGED_TOO_RECENTLY]);
  }
  return [
    {
      type: 'PasswordSet',
      schemaVersion: 1,
      data: { login: user.profile.login, hash: command.newHash, changedAt: command.at, by: 'USER' },
    },
  ];
}

function completeRecovery(command: CompleteRecovery, state: UserState): UserEvent[] {
  if (!isLiveRecoveryLink(state, command.tokenHash, command.at)) throw recoveryLinkInvalid();
  const user = existing(state);
  requirePasswordAuthority(user, 'set', command);
  // Whoever held the account before the reset loses it: every session up to now ends (the session the
  // recovery flow answers with is issued after this instant, so it stands).
  return [
    {
      type: 'PasswordSet',
      schemaVersion: 1,
      data: { login: user.profile.login, hash: command.newHash, changedAt: command.at, by: 'USER' },
    },
    sessionsRevoked(SESSIONS_REVOKED_BECAUSE.recoveryCompleted, command.at),
  ];
}

const PROFILE_PROPERTIES = [
  'login',
  'email',
  'firstName',
  'lastName',
  'mobilePhone',
  'secondEmail',
  'displayName',
] as const satisfies readonly (keyof UserProfile)[];

/** The profile after an update: the patch over the current one, or (strict) over an empty one. */
export function updatedProfile(
  current: UserProfile,
  update: NonNullable<UpdateUser['profile']>,
): UserProfile {
  const base: UserProfile = update.replace
    ? { login: current.login, email: null, firstName: null, lastName: null, mobilePhone: null }
    : current;
  const profile: Record<string, string | null | undefined> = { ...base };
  for (const property of PROFILE_PROPERTIES) {
    if (update.patch[property] !== undefined) profile[property] = update.patch[property];
    else if (update.replace && property !== 'login') profile[property] = null;
  }
  return profile as unknown as UserProfile;
}

/** Same values, with an absent optional property equal to null. */
export function sameProfile(a: UserProfile, b: UserProfile): boolean {
  return PROFILE_PROPERTIES.every((property) => (a[property] ?? null) === (b[property] ?? null));
}

/**
 * An admin's update of the profile, the password, or both, as one list of events (one append). Sending
 * the values the user already has changes nothing. The password goes through the admin `SetPassword`
 * rules (status, provider), applied after the profile change so its event carries the new login.
 */
function update(command: UpdateUser, state: UserState): UserEvent[] {
  const user = existing(state);
  const events: UserEvent[] = [];
  if (command.profile) {
    const profile = updatedProfile(user.profile, command.profile);
    if (!sameProfile(user.profile, profile)) {
      events.push({
        type: 'UserProfileUpdated',
        schemaVersion: 1,
        data: { previousLogin: user.profile.login, profile, updatedAt: command.at },
      });
    }
  }
  if (command.password) {
    const setPasswordCommand: SetPassword = {
      type: 'SetPassword',
      hash: command.password.hash,
      by: 'ADMIN',
      changedAt: command.at,
      at: command.at,
      delegatedPasswordReset: command.delegatedPasswordReset,
    };
    events.push(...setPassword(setPasswordCommand, events.reduce(evolve, state)));
  }
  return events;
}

const BULK_TARGET_STATUSES: readonly ExistingStatus[] = ['ACTIVE', 'RECOVERY', 'LOCKED_OUT', 'SUSPENDED'];

/** Why a user is left out of a bulk expiry, or null when the user is expired by it. */
export function bulkSkipReason(
  state: UserState,
  command: Pick<ExpirePasswordInBulk, 'jobId' | 'cutoff'>,
): string | null {
  if (state.status === 'NONE') return 'NOT_FOUND';
  if (expiryOf(state)?.jobId === command.jobId) return 'ALREADY_EXPIRED_BY_THIS_JOB';
  if (!BULK_TARGET_STATUSES.includes(state.status)) return 'STATUS';
  if (MASTERED_ELSEWHERE.includes(state.provider.type)) return 'NO_PASSWORD';
  if (Date.parse(state.createdAt) >= Date.parse(command.cutoff)) return 'CREATED_AFTER_CUTOFF';
  const changedAt = state.password?.changedAt;
  if (changedAt && Date.parse(changedAt) >= Date.parse(command.cutoff))
    return 'PASSWORD_CHANGED_AFTER_CUTOFF';
  if (expiryOf(state)) return 'ALREADY_EXPIRED';
  return null;
}

/** Where an expiry leaves a user: locked and suspended users stay so (the expiry waits), others must change. */
export function statusWhenExpired(status: ExistingStatus): ExistingStatus {
  return status === 'LOCKED_OUT' || status === 'SUSPENDED' ? status : 'PASSWORD_EXPIRED';
}

/**
 * The one event of a set-based expiry (a bulk job's or the age sweep's): the PasswordExpired carries the
 * credential snapshot's changes (`credentialStatus`; see `decide`), so each user costs one event.
 */
function expiryCarryingCredential(
  user: ExistingUser,
  fact: { cause: 'BULK' | 'POLICY'; jobId: string | null; reason: string | null; at: string },
): UserEvent {
  return {
    type: 'PasswordExpired',
    schemaVersion: 1,
    data: {
      login: user.profile.login,
      provider: user.provider,
      cause: fact.cause,
      jobId: fact.jobId,
      reason: fact.reason,
      expiredAt: fact.at,
      delegated: isDelegated(user.provider.type),
      credentialStatus: statusWhenExpired(user.status),
    },
  };
}

function expireInBulk(command: ExpirePasswordInBulk, state: UserState): UserEvent[] {
  if (bulkSkipReason(state, command) !== null) return [];
  const { jobId, reason, at } = command;
  return [expiryCarryingCredential(existing(state), { cause: 'BULK', jobId, reason, at })];
}

const DAY_MS = 86_400_000;

/**
 * Why a user is left out of an age expiry at `at`, or null when the password is past the policy's maximum
 * age. The rule is identity's age check at sign-in (`policyExpiresAt` in identity's sign-in gate): only
 * directory-mastered passwords (OKTA, IMPORT) with a known change time, expired from the instant
 * `changedAt + maxAgeDays` on; `maxAgeDays` 0 never expires. Exempt users are never aged.
 */
export function ageExpirySkipReason(
  state: UserState,
  command: Pick<ExpirePasswordByAge, 'maxAgeDays' | 'at'>,
): string | null {
  if (state.status === 'NONE') return 'NOT_FOUND';
  if (command.maxAgeDays <= 0) return 'NO_MAXIMUM_AGE';
  if (state.status !== 'ACTIVE') return 'STATUS';
  if (!isLocal(state.provider.type)) return 'NOT_DIRECTORY_MASTERED';
  if (state.passwordAgeExempt) return 'EXEMPT';
  const changedAt = state.password?.changedAt;
  if (!changedAt) return 'NO_PASSWORD_CHANGE_TIME';
  if (Date.parse(command.at) < Date.parse(changedAt) + command.maxAgeDays * DAY_MS) return 'NOT_OLD_ENOUGH';
  return null;
}

/** The reason an age expiry records (and the System Log shows). */
export const ageExpiryReason = (maxAgeDays: number) => `Password older than ${maxAgeDays} days (maxAgeDays)`;

/**
 * One event, like a bulk expiry's: the PasswordExpired (cause POLICY) carries the credential change
 * (`credentialStatus`), so the sweep's set-based statement writes one event per user.
 */
function expireByAge(command: ExpirePasswordByAge, state: UserState): UserEvent[] {
  // Only ACTIVE, directory-mastered users pass: the event says PASSWORD_EXPIRED and not delegated.
  if (ageExpirySkipReason(state, command) !== null) return [];
  const reason = ageExpiryReason(command.maxAgeDays);
  return [
    expiryCarryingCredential(existing(state), { cause: 'POLICY', jobId: null, reason, at: command.at }),
  ];
}

/** Setting the exemption the user already has changes nothing. */
function setAgeExemption(command: SetPasswordAgeExemption, state: UserState): UserEvent[] {
  const user = existing(state);
  if (user.status === 'DEPROVISIONED') throw new NotAllowedInStatusError();
  if ((user.passwordAgeExempt === true) === command.exempt) return [];
  return [
    {
      type: 'PasswordAgeExemptionSet',
      schemaVersion: 1,
      data: { login: user.profile.login, exempt: command.exempt, reason: command.reason, at: command.at },
    },
  ];
}

/** Okta answers a second assignment of a role the user holds with 409 E0000090. */
export const duplicateRoleAssignment = () =>
  new DomainError('E0000090', 'The role specified is already assigned to the user.');

function assignAdminRole(command: AssignAdminRole, state: UserState): UserEvent[] {
  const user = existing(state);
  if (user.status === 'DEPROVISIONED') throw new NotAllowedInStatusError();
  if (adminRolesOf(user).some((role) => role.type === command.roleType)) throw duplicateRoleAssignment();
  return [
    {
      type: 'AdminRoleAssigned',
      schemaVersion: 1,
      data: {
        login: user.profile.login,
        roleId: command.roleId,
        roleType: command.roleType,
        assignedAt: command.at,
      },
    },
  ];
}

function removeAdminRole(command: RemoveAdminRole, state: UserState): UserEvent[] {
  const user = existing(state);
  const role = adminRolesOf(user).find((held) => held.roleId === command.roleId);
  if (!role) throw new NotFoundError('Role');
  return [
    {
      type: 'AdminRoleRemoved',
      schemaVersion: 1,
      data: { login: user.profile.login, roleId: role.roleId, roleType: role.type, removedAt: command.at },
    },
  ];
}

/** Okta answers 204 whether or not the user was a member: adding a member appends nothing. */
function addToGroup(command: AddUserToGroup, state: UserState): UserEvent[] {
  const user = existing(state);
  if (groupIdsOf(user).includes(command.groupId)) return [];
  return [
    {
      type: 'UserAddedToGroup',
      schemaVersion: 1,
      data: { login: user.profile.login, groupId: command.groupId, addedAt: command.at },
    },
  ];
}

function removeFromGroup(command: RemoveUserFromGroup, state: UserState): UserEvent[] {
  const user = existing(state);
  if (!groupIdsOf(user).includes(command.groupId)) return [];
  return [
    {
      type: 'UserRemovedFromGroup',
      schemaVersion: 1,
      data: { login: user.profile.login, groupId: command.groupId, removedAt: command.at },
    },
  ];
}

function clearSessions(command: ClearSessions, state: UserState): UserEvent[] {
  existing(state);
  return [sessionsRevoked(SESSIONS_REVOKED_BECAUSE.admin, command.at)];
}

function decideCore(command: UserCommand, state: UserState): UserEvent[] {
  switch (command.type) {
    case 'CreateUser':
      return create(command, state);
    case 'ActivateUser':
      return activate(command, state);
    case 'SuspendUser':
      return suspend(command, state);
    case 'UnsuspendUser':
      return unsuspend(command, state);
    case 'DeactivateUser':
      return deactivate(command, state);
    case 'LockUser':
      return lock(command, state);
    case 'UnlockUser':
      return unlock(command, state);
    case 'SetPassword':
      return setPassword(command, state);
    case 'ExpirePassword':
      return expire(command, state);
    case 'ExpirePasswordWithTemporaryPassword':
      return expireWithTemporaryPassword(command, state);
    case 'ResetPassword':
      return reset(command, state);
    case 'RequestPasswordRecovery':
      return requestRecovery(command, state);
    case 'ChangePassword':
      return change(command, state);
    case 'CompleteRecovery':
      return completeRecovery(command, state);
    case 'UpdateUser':
      return update(command, state);
    case 'ExpirePasswordInBulk':
      return expireInBulk(command, state);
    case 'ExpirePasswordByAge':
      return expireByAge(command, state);
    case 'SetPasswordAgeExemption':
      return setAgeExemption(command, state);
    case 'AssignAdminRole':
      return assignAdminRole(command, state);
    case 'RemoveAdminRole':
      return removeAdminRole(command, state);
    case 'AddUserToGroup':
      return addToGroup(command, state);
    case 'RemoveUserFromGroup':
      return removeFromGroup(command, state);
    case 'ClearSessions':
      return clearSessions(command, state);
    default:
      return assertNever(command, 'user command');
  }
}

// ---------------------------------------------------------------------------------------------------------
// credential snapshot

/** The sign-in-relevant part of the state, as identity receives it (without `changedAt`). */
export function credentialSnapshotOf(state: UserState): Omit<CredentialSnapshot, 'changedAt'> | null {
  if (state.status === 'NONE') return null;
  const expiry = expiryOf(state);
  return {
    userId: state.userId,
    login: state.profile.login,
    provider: state.provider,
    status: state.status,
    passwordHash: state.password?.hash ?? null,
    passwordChangedAt: state.password?.changedAt ?? null,
    passwordExpired: expiry !== null,
    oneTimePassword: expiry?.temporary ? { expiresAt: expiry.temporary.expiresAt } : null,
    ...(state.passwordAgeExempt ? { passwordAgeExempt: true as const } : {}),
  };
}

/**
 * The credential after a bulk expiry, which records no snapshot of its own: the snapshot before it with
 * the expiry's status, `passwordExpired` and time (nothing else sign-in depends on changes).
 */
export function credentialStateAfterBulkExpiry(
  before: CredentialSnapshot,
  status: ExistingStatus,
  expiredAt: string,
): CredentialSnapshot {
  return { ...before, status, passwordExpired: true, changedAt: expiredAt };
}

function sameSnapshot(
  a: Omit<CredentialSnapshot, 'changedAt'> | null,
  b: Omit<CredentialSnapshot, 'changedAt'> | null,
): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Expiries whose PasswordExpired carries the credential change (`credentialStatus`) instead of a snapshot. */
const EXPIRIES_WITHOUT_SNAPSHOT: readonly UserCommand['type'][] = [
  'ExpirePasswordInBulk',
  'ExpirePasswordByAge',
];

/**
 * Every command's events, plus a credential snapshot whenever they changed what sign-in depends on.
 * Bulk and age expiries are the exception: their PasswordExpired carries the only changes (status,
 * expired), so a fan-out or sweep over many users writes, relays and projects one event per user instead
 * of two.
 */
function decide(command: UserCommand, state: UserState): UserEvent[] {
  const events = decideCore(command, state);
  if (events.length === 0 || EXPIRIES_WITHOUT_SNAPSHOT.includes(command.type)) return events;
  const before = credentialSnapshotOf(state);
  const after = credentialSnapshotOf(events.reduce(evolve, state));
  if (!after || sameSnapshot(before, after)) return events;
  return [
    ...events,
    { type: 'CredentialStateRecorded', schemaVersion: 1, data: { ...after, changedAt: command.at } },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// evolve

function withHistory(user: ExistingUser): readonly string[] {
  const previous = user.password?.hash;
  return previous ? [previous, ...user.passwordHistory].slice(0, HISTORY_KEPT) : user.passwordHistory;
}

function coreOf(user: ExistingUser) {
  return {
    userId: user.userId,
    profile: user.profile,
    provider: user.provider,
    createdAt: user.createdAt,
    activatedAt: user.activatedAt,
    statusChangedAt: user.statusChangedAt,
    lastUpdatedAt: user.lastUpdatedAt,
    passwordHistory: user.passwordHistory,
    ...(user.passwordAgeExempt ? { passwordAgeExempt: true as const } : {}),
    adminRoles: user.adminRoles,
    ...(user.groupIds ? { groupIds: user.groupIds } : {}),
  };
}

/** Rebuilds a user in `status`, carrying what that status may hold. */
function inStatus(
  user: ExistingUser,
  status: ExistingStatus,
  at: string,
  parts: { password?: Password | null; expiry?: Expiry | null; passwordHistory?: readonly string[] } = {},
): ExistingUser {
  const password = parts.password !== undefined ? parts.password : user.password;
  const expiry = parts.expiry !== undefined ? parts.expiry : expiryOf(user);
  const core = {
    ...coreOf(user),
    passwordHistory: parts.passwordHistory ?? user.passwordHistory,
    lastUpdatedAt: at,
    statusChangedAt: status !== user.status ? at : user.statusChangedAt,
    activatedAt: user.activatedAt ?? (status === 'ACTIVE' || status === 'PASSWORD_EXPIRED' ? at : null),
  };
  switch (status) {
    case 'STAGED':
      return { ...core, status, password };
    case 'PROVISIONED':
      return { ...core, status, password: null };
    case 'ACTIVE':
      return { ...core, status, password };
    case 'PASSWORD_EXPIRED':
      if (!expiry) return { ...core, status: 'ACTIVE', password };
      return { ...core, status, password, expiry };
    case 'RECOVERY':
      if (user.status !== 'RECOVERY') return { ...core, status: 'ACTIVE', password };
      return { ...core, status, password, recovery: user.recovery, expiry };
    case 'LOCKED_OUT':
      return {
        ...core,
        status,
        password,
        expiry,
        lockedAt: user.status === 'LOCKED_OUT' ? user.lockedAt : at,
      };
    case 'SUSPENDED':
      return { ...core, status, password, expiry };
    case 'DEPROVISIONED':
      return { ...core, status, password };
    default:
      return assertNever(status, 'status');
  }
}

function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserCreated': {
      const { data } = event;
      const core = {
        userId: data.userId,
        profile: data.profile,
        provider: data.provider,
        createdAt: data.createdAt,
        activatedAt: data.status === 'ACTIVE' ? data.createdAt : null,
        statusChangedAt: null,
        lastUpdatedAt: data.createdAt,
        passwordHistory: [],
      };
      const password = data.password
        ? { hash: data.password.hash, changedAt: data.password.changedAt }
        : null;
      if (data.status === 'PROVISIONED') return { ...core, status: 'PROVISIONED', password: null };
      return { ...core, status: data.status, password };
    }
    case 'UserStatusChanged': {
      if (state.status === 'NONE') return state;
      const expiry =
        event.data.action === 'DEACTIVATE' || event.data.action === 'ACTIVATE' ? null : undefined;
      return inStatus(state, event.data.to, event.data.at, { expiry });
    }
    case 'UserProfileUpdated': {
      if (state.status === 'NONE') return state;
      return { ...state, profile: event.data.profile, lastUpdatedAt: event.data.updatedAt };
    }
    case 'PasswordSet': {
      if (state.status === 'NONE') return state;
      const { hash, changedAt } = event.data;
      const password = { hash, changedAt };
      const history = withHistory(state);
      const to = state.status === 'STAGED' || state.status === 'LOCKED_OUT' ? state.status : 'ACTIVE';
      return inStatus(state, to, changedAt, { password, expiry: null, passwordHistory: history });
    }
    case 'PasswordExpired': {
      if (state.status === 'NONE') return state;
      const { data } = event;
      const previous = expiryOf(state);
      const expiry: Expiry = {
        cause: data.cause,
        jobId: data.jobId,
        reason: data.reason,
        expiredAt: data.expiredAt,
        temporary: previous?.temporary ?? null,
      };
      return inStatus(state, statusWhenExpired(state.status), data.expiredAt, { expiry });
    }
    case 'TemporaryPasswordIssued': {
      if (state.status === 'NONE') return state;
      const { data } = event;
      const password = { hash: data.hash, changedAt: data.issuedAt };
      const expiry: Expiry = {
        cause: 'ADMIN_TEMP_PASSWORD',
        jobId: null,
        reason: data.reason,
        expiredAt: data.issuedAt,
        temporary: {
          issuedAt: data.issuedAt,
          expiresAt: data.expiresAt,
          deliveryId: data.deliveryId,
          channel: data.channel,
        },
      };
      return inStatus(state, 'PASSWORD_EXPIRED', data.issuedAt, {
        password,
        expiry,
        passwordHistory: withHistory(state),
      });
    }
    case 'RecoveryStarted': {
      if (state.status === 'NONE') return state;
      const { data } = event;
      if (data.selfService) {
        const pendingRecovery = {
          tokenHash: data.tokenHash,
          expiresAt: data.expiresAt,
          startedAt: data.startedAt,
        };
        return { ...state, lastUpdatedAt: data.startedAt, pendingRecovery };
      }
      const core = { ...coreOf(state), lastUpdatedAt: data.startedAt, statusChangedAt: data.startedAt };
      return {
        ...core,
        status: 'RECOVERY',
        password: state.password,
        recovery: { tokenHash: data.tokenHash, expiresAt: data.expiresAt, startedAt: data.startedAt },
        expiry: expiryOf(state),
      };
    }
    case 'PasswordAgeExemptionSet': {
      if (state.status === 'NONE') return state;
      const { passwordAgeExempt: _previous, ...rest } = state;
      const lastUpdatedAt = event.data.at;
      return event.data.exempt
        ? { ...rest, passwordAgeExempt: true, lastUpdatedAt }
        : { ...rest, lastUpdatedAt };
    }
    case 'AdminRoleAssigned': {
      if (state.status === 'NONE') return state;
      const { roleId, roleType, assignedAt } = event.data;
      return { ...state, adminRoles: [...adminRolesOf(state), { roleId, type: roleType, assignedAt }] };
    }
    case 'AdminRoleRemoved': {
      if (state.status === 'NONE') return state;
      return {
        ...state,
        adminRoles: adminRolesOf(state).filter((role) => role.roleId !== event.data.roleId),
      };
    }
    case 'UserAddedToGroup': {
      if (state.status === 'NONE') return state;
      return { ...state, groupIds: [...groupIdsOf(state), event.data.groupId] };
    }
    case 'UserRemovedFromGroup': {
      if (state.status === 'NONE') return state;
      const groupIds = groupIdsOf(state).filter((groupId) => groupId !== event.data.groupId);
      const { groupIds: _previous, ...rest } = state;
      return groupIds.length > 0 ? { ...state, groupIds } : rest;
    }
    case 'SessionsRevoked':
    case 'CredentialStateRecorded':
      return state;
    default:
      return assertNever(event, 'user event');
  }
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};

export const userStreamId = (userId: string) => `user-${userId}`;
export const userIdOf = (streamId: string) => streamId.slice('user-'.length);
export { passwordOf };
