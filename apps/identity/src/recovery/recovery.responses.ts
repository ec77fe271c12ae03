import type { RecoveryLink } from '../directory-client/directory.client';
import { embeddedPolicy } from '../sign-in/authn.responses';
import type { PasswordPolicy } from '../sign-in/domain/password-policy';

/** Okta's recovery transaction after a valid reset link: the next step is `resetPassword`. */
export interface RecoveryTransaction {
  readonly stateToken: string;
  readonly expiresAt: string;
  readonly status: 'PASSWORD_RESET';
  readonly recoveryType: 'PASSWORD';
  readonly _embedded: Record<string, unknown>;
  readonly _links: Record<string, unknown>;
}

const post = (href: string, name?: string) => ({
  ...(name ? { name } : {}),
  href,
  hints: { allow: ['POST'] },
});

export function passwordResetTransaction(
  baseUrl: string,
  link: RecoveryLink,
  policy: PasswordPolicy,
  stateToken: string,
  expiresAt: Date,
): RecoveryTransaction {
  return {
    stateToken,
    expiresAt: expiresAt.toISOString(),
    status: 'PASSWORD_RESET',
    recoveryType: 'PASSWORD',
    _embedded: {
      user: { id: link.userId, profile: link.profile },
      policy: embeddedPolicy(policy),
    },
    _links: {
      next: post(`${baseUrl}/api/v1/authn/credentials/reset_password`, 'resetPassword'),
      cancel: post(`${baseUrl}/api/v1/authn/cancel`),
    },
  };
}

/** Okta's answer to a forgot-password request: the same for every username, known or not. */
export interface RecoveryChallenge {
  readonly status: 'RECOVERY_CHALLENGE';
  readonly factorResult: 'WAITING';
  readonly factorType: 'EMAIL';
  readonly recoveryType: 'PASSWORD';
}

export const RECOVERY_CHALLENGE: RecoveryChallenge = Object.freeze({
  status: 'RECOVERY_CHALLENGE',
  factorResult: 'WAITING',
  factorType: 'EMAIL',
  recoveryType: 'PASSWORD',
});
