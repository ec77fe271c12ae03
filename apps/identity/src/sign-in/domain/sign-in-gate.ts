import type { CredentialProviderType, UserStatus } from '@lapse/shared/core';
import type { PasswordPolicy } from './password-policy';

/** What identity knows about one user's credential (a row of the projection). */
export interface CredentialState {
  readonly userId: string;
  readonly login: string;
  readonly providerType: CredentialProviderType;
  readonly status: UserStatus;
  readonly credentialVersion: number;
  readonly passwordHash: string | null;
  readonly passwordChangedAt: Date | null;
  readonly passwordExpired: boolean;
  /** Set while the user is in one-time password mode. */
  readonly oneTimeExpiresAt: Date | null;
  /** An admin exempted the user from the policy's maximum age (absent: not exempt). */
  readonly passwordAgeExempt?: boolean;
  /** The newest per-user expiry fact seen (PasswordExpired events); applies to passwords set before it. */
  readonly expiredAt: Date | null;
  readonly changedAt: Date;
}

export interface LockoutRecord {
  readonly failedAttempts: number;
  readonly lockedAt: Date | null;
}

export type ExpiryReason =
  | 'EXPIRED_BY_ADMIN'
  | 'STATUS_PASSWORD_EXPIRED'
  | 'BULK_CUTOFF'
  | 'POLICY_MAX_AGE'
  | 'ONE_TIME_PASSWORD';

export interface GateInput {
  readonly credential: CredentialState;
  /** Newest bulk-expiry cutoff covering the user's provider, if any. */
  readonly latestCutoff: Date | null;
  readonly lockout: LockoutRecord | null;
  readonly policy: PasswordPolicy;
  readonly now: Date;
  readonly warnBeforePasswordExpired: boolean;
}

/** Every answer a sign-in can get once the password has been checked. */
export type SignInAnswer =
  | { readonly kind: 'AUTHENTICATION_FAILED' }
  | { readonly kind: 'LOCKED_OUT' }
  | { readonly kind: 'TEMPORARY_PASSWORD_EXPIRED' }
  | { readonly kind: 'PASSWORD_EXPIRED'; readonly reason: ExpiryReason }
  | { readonly kind: 'PASSWORD_WARN'; readonly passwordExpireDays: number }
  | { readonly kind: 'SUCCESS' };

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Providers whose users have no password Lapse can verify. */
const PASSWORDLESS_PROVIDERS: readonly CredentialProviderType[] = ['FEDERATION', 'SOCIAL'];
/** Statuses in which a password sign-in may proceed (the rest fail like a wrong password). */
const SIGN_IN_STATUSES: readonly UserStatus[] = ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT'];
/** Okta checks its password policy's maximum age for directory-mastered passwords only. */
const POLICY_AGED_PROVIDERS: readonly CredentialProviderType[] = ['OKTA', 'IMPORT'];

/** Whether the user can sign in with a password at all (otherwise: the generic E0000004). */
export function canSignInWithPassword(credential: CredentialState): boolean {
  return (
    credential.passwordHash !== null &&
    !PASSWORDLESS_PROVIDERS.includes(credential.providerType) &&
    SIGN_IN_STATUSES.includes(credential.status)
  );
}

/** Why the password is expired at `now`, or null when it is not. */
export function expiryReason(
  credential: CredentialState,
  latestCutoff: Date | null,
  policy: PasswordPolicy,
  now: Date,
): ExpiryReason | null {
  const changedAt = credential.passwordChangedAt;
  const setBefore = (instant: Date) => changedAt === null || changedAt.getTime() < instant.getTime();
  if (credential.oneTimeExpiresAt !== null) return 'ONE_TIME_PASSWORD';
  if (credential.passwordExpired) return 'EXPIRED_BY_ADMIN';
  if (credential.status === 'PASSWORD_EXPIRED') return 'STATUS_PASSWORD_EXPIRED';
  if (credential.expiredAt !== null && setBefore(credential.expiredAt)) return 'EXPIRED_BY_ADMIN';
  if (latestCutoff !== null && setBefore(latestCutoff)) return 'BULK_CUTOFF';
  const maxAge = policyExpiresAt(credential, policy);
  if (maxAge !== null && now.getTime() >= maxAge.getTime()) return 'POLICY_MAX_AGE';
  return null;
}

/**
 * When the policy's maximum age ends the password, or null when the policy never does. Directory's
 * age-expiry sweep applies the same rule (`ageExpirySkipReason` of its user decider), so a password the
 * sweep has not reached yet is refused here all the same, and an exempt user is left alone by both.
 */
export function policyExpiresAt(credential: CredentialState, policy: PasswordPolicy): Date | null {
  if (policy.age.maxAgeDays <= 0 || !POLICY_AGED_PROVIDERS.includes(credential.providerType)) return null;
  if (credential.passwordAgeExempt) return null;
  if (credential.passwordChangedAt === null) return null;
  return new Date(credential.passwordChangedAt.getTime() + policy.age.maxAgeDays * DAY_MS);
}

/** Whether the account is locked at `now` (a lock ends by itself after `autoUnlockMinutes`, when set). */
export function isLockedOut(
  credential: CredentialState,
  lockout: LockoutRecord | null,
  policy: PasswordPolicy,
  now: Date,
): boolean {
  const lockedAt = lockout?.lockedAt ?? (credential.status === 'LOCKED_OUT' ? credential.changedAt : null);
  if (lockedAt === null) return false;
  return !autoUnlocked(lockedAt, policy, now);
}

export function autoUnlocked(lockedAt: Date, policy: PasswordPolicy, now: Date): boolean {
  const minutes = policy.lockout.autoUnlockMinutes;
  return minutes > 0 && now.getTime() >= lockedAt.getTime() + minutes * MINUTE_MS;
}

/** After a wrong password for a known user: the new count and whether this attempt locks the account. */
export function afterFailedAttempt(
  lockout: LockoutRecord | null,
  policy: PasswordPolicy,
): { readonly failedAttempts: number; readonly locks: boolean } {
  const failedAttempts = (lockout?.failedAttempts ?? 0) + 1;
  const max = policy.lockout.maxAttempts;
  return { failedAttempts, locks: max > 0 && failedAttempts >= max && !lockout?.lockedAt };
}

/**
 * The gate, run only once the password verified: lock, then the temporary password's lifetime, then
 * expiry (admin, status, bulk cutoff, policy age), then the warning window.
 */
export function decideSignIn(input: GateInput): SignInAnswer {
  const { credential, policy, now } = input;
  if (!canSignInWithPassword(credential)) return { kind: 'AUTHENTICATION_FAILED' };
  if (isLockedOut(credential, input.lockout, policy, now)) return { kind: 'LOCKED_OUT' };
  if (credential.oneTimeExpiresAt !== null && now.getTime() >= credential.oneTimeExpiresAt.getTime()) {
    return { kind: 'TEMPORARY_PASSWORD_EXPIRED' };
  }
  const reason = expiryReason(credential, input.latestCutoff, policy, now);
  if (reason !== null) return { kind: 'PASSWORD_EXPIRED', reason };
  if (input.warnBeforePasswordExpired) {
    const expiresAt = policyExpiresAt(credential, policy);
    const warnDays = policy.age.expireWarnDays;
    if (expiresAt !== null && warnDays > 0 && expiresAt.getTime() - now.getTime() <= warnDays * DAY_MS) {
      return {
        kind: 'PASSWORD_WARN',
        passwordExpireDays: Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS)),
      };
    }
  }
  return { kind: 'SUCCESS' };
}

/** A session may be issued from a token only while the credential is the one the password was proven for. */
export function canIssueSession(
  input: Omit<GateInput, 'warnBeforePasswordExpired'>,
  provenVersion: number,
): SignInAnswer {
  if (input.credential.credentialVersion !== provenVersion) return { kind: 'AUTHENTICATION_FAILED' };
  const answer = decideSignIn({ ...input, warnBeforePasswordExpired: false });
  return answer;
}
