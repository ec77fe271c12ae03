import type { GateFacts } from '../credential-projection/credential.store';
import type { PasswordPolicy } from './domain/password-policy';

/** Okta's authn transaction (`/api/v1/authn` answers), with the fields Lapse fills. */
export interface AuthnTransaction {
  readonly status: 'SUCCESS' | 'PASSWORD_EXPIRED' | 'PASSWORD_WARN' | 'LOCKED_OUT';
  readonly expiresAt?: string;
  readonly stateToken?: string;
  readonly sessionToken?: string;
  readonly _embedded?: Record<string, unknown>;
  readonly _links?: Record<string, unknown>;
}

const post = (href: string, name?: string) => ({
  ...(name ? { name } : {}),
  href,
  hints: { allow: ['POST'] },
});

function embeddedUser(facts: GateFacts) {
  const { credential } = facts;
  return {
    id: credential.userId,
    passwordChanged: credential.passwordChangedAt?.toISOString() ?? null,
    profile: { login: credential.login },
  };
}

export function embeddedPolicy(policy: PasswordPolicy, passwordExpireDays?: number) {
  const { complexity, age } = policy;
  return {
    ...(passwordExpireDays !== undefined ? { expiration: { passwordExpireDays } } : {}),
    complexity: {
      minLength: complexity.minLength,
      minLowerCase: complexity.minLowerCase,
      minUpperCase: complexity.minUpperCase,
      minNumber: complexity.minNumber,
      minSymbol: complexity.minSymbol,
      excludeUsername: complexity.excludeUsername,
    },
    age: { minAgeMinutes: age.minAgeMinutes, historyCount: age.historyCount },
  };
}

export function successTransaction(
  facts: GateFacts,
  sessionToken: string,
  expiresAt: Date,
): AuthnTransaction {
  return {
    expiresAt: expiresAt.toISOString(),
    status: 'SUCCESS',
    sessionToken,
    _embedded: { user: embeddedUser(facts) },
  };
}

export function changeTransaction(
  baseUrl: string,
  status: 'PASSWORD_EXPIRED' | 'PASSWORD_WARN',
  facts: GateFacts,
  policy: PasswordPolicy,
  stateToken: string,
  expiresAt: Date,
  passwordExpireDays?: number,
): AuthnTransaction {
  return {
    stateToken,
    expiresAt: expiresAt.toISOString(),
    status,
    _embedded: { user: embeddedUser(facts), policy: embeddedPolicy(policy, passwordExpireDays) },
    _links: {
      next: post(`${baseUrl}/api/v1/authn/credentials/change_password`, 'changePassword'),
      ...(status === 'PASSWORD_WARN' ? { skip: post(`${baseUrl}/api/v1/authn/skip`, 'skip') } : {}),
      cancel: post(`${baseUrl}/api/v1/authn/cancel`),
    },
  };
}

export function lockedOutTransaction(): AuthnTransaction {
  return { status: 'LOCKED_OUT' };
}
