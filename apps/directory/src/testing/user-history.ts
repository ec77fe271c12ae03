import type { CredentialProviderType, PasswordExpiryCause } from '@lapse/shared/core';
import type {
  PasswordExpired,
  PasswordSet,
  RecoveryStarted,
  SessionsRevoked,
  StatusAction,
  TemporaryPasswordIssued,
  UserCreated,
  UserStatusChanged,
} from '../user/domain/user.events';
import type { ExistingStatus, UserProfile } from '../user/domain/user.state';

/**
 * The events of a `user-<id>` stream, for decider specs that state history as events (given / when /
 * then, `DeciderSpecification`). Each builder writes the event as the user decider records it, with the
 * defaults of one user, Ada, created at T0 with a password set by an admin. The `CredentialStateRecorded`
 * snapshots the decider appends after each change are left out of histories: `evolve` ignores them.
 */
export const T0 = '2026-01-01T00:00:00.000Z';
export const T1 = '2026-01-02T00:00:00.000Z';
export const T2 = '2026-01-03T00:00:00.000Z';
export const LOGIN = 'ada@example.com';

const provider = (type: CredentialProviderType) => ({ type, name: type });

export function created(
  options: {
    readonly status?: UserCreated['data']['status'];
    readonly provider?: CredentialProviderType;
    /** The password's hash; null for a user without one (PROVISIONED, FEDERATION, SOCIAL, AD/LDAP). */
    readonly password?: string | null;
    readonly passwordChangedAt?: string;
    readonly profile?: Partial<UserProfile>;
    readonly at?: string;
  } = {},
): UserCreated {
  const status = options.status ?? 'ACTIVE';
  const hash =
    status === 'PROVISIONED' ? null : options.password === undefined ? '$argon2id$old' : options.password;
  return {
    type: 'UserCreated',
    schemaVersion: 1,
    data: {
      userId: 'u1',
      profile: {
        login: LOGIN,
        email: LOGIN,
        firstName: 'Ada',
        lastName: 'Lovelace',
        mobilePhone: null,
        ...options.profile,
      },
      provider: provider(options.provider ?? 'OKTA'),
      status,
      password: hash === null ? null : { hash, changedAt: options.passwordChangedAt ?? T0, by: 'ADMIN' },
      createdAt: options.at ?? T0,
    },
  };
}

export function statusChanged(
  action: StatusAction,
  from: ExistingStatus,
  to: ExistingStatus,
  at = T1,
): UserStatusChanged {
  return { type: 'UserStatusChanged', schemaVersion: 1, data: { login: LOGIN, action, from, to, at } };
}

export function passwordExpired(
  options: {
    readonly cause?: PasswordExpiryCause;
    readonly jobId?: string | null;
    readonly reason?: string | null;
    readonly credentialStatus?: ExistingStatus;
    readonly provider?: CredentialProviderType;
    readonly at?: string;
  } = {},
): PasswordExpired {
  const type = options.provider ?? 'OKTA';
  return {
    type: 'PasswordExpired',
    schemaVersion: 1,
    data: {
      login: LOGIN,
      provider: provider(type),
      cause: options.cause ?? 'ADMIN',
      jobId: options.jobId ?? null,
      reason: options.reason ?? null,
      expiredAt: options.at ?? T1,
      delegated: type === 'ACTIVE_DIRECTORY' || type === 'LDAP',
      ...(options.credentialStatus ? { credentialStatus: options.credentialStatus } : {}),
    },
  };
}

/** A bulk expiry's PasswordExpired (job `job1`, cutoff T1), which carries the status after it. */
export const expiredInBulk = (credentialStatus: ExistingStatus): PasswordExpired =>
  passwordExpired({ cause: 'BULK', jobId: 'job1', reason: 'breach', credentialStatus });

export function temporaryPasswordIssued(
  options: { readonly at?: string; readonly expiresAt?: string; readonly delivered?: boolean } = {},
): TemporaryPasswordIssued {
  const delivered = options.delivered ?? true;
  return {
    type: 'TemporaryPasswordIssued',
    schemaVersion: 1,
    data: {
      login: LOGIN,
      provider: provider('OKTA'),
      hash: '$argon2id$temp',
      issuedAt: options.at ?? T1,
      expiresAt: options.expiresAt ?? T2,
      deliveryId: 'd1',
      channel: delivered ? 'AUTO' : null,
      sealedPassword: delivered ? 'jwe' : null,
      kid: delivered ? 'k1' : null,
      contact: { email: LOGIN, mobilePhone: null, firstName: 'Ada' },
      reason: null,
    },
  };
}

export function recoveryStarted(
  options: { readonly tokenHash?: string; readonly at?: string; readonly expiresAt?: string } = {},
): RecoveryStarted {
  return {
    type: 'RecoveryStarted',
    schemaVersion: 1,
    data: {
      login: LOGIN,
      tokenHash: options.tokenHash ?? 'th',
      startedAt: options.at ?? T1,
      expiresAt: options.expiresAt ?? T2,
    },
  };
}

export function passwordSet(
  options: { readonly hash?: string; readonly by?: PasswordSet['data']['by']; readonly at?: string } = {},
): PasswordSet {
  const at = options.at ?? T1;
  return {
    type: 'PasswordSet',
    schemaVersion: 1,
    data: { login: LOGIN, hash: options.hash ?? '$argon2id$new', changedAt: at, by: options.by ?? 'USER' },
  };
}

export function sessionsRevoked(reason: string, at = T1): SessionsRevoked {
  return { type: 'SessionsRevoked', schemaVersion: 1, data: { reason, revokedAt: at } };
}
