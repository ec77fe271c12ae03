import { Inject, Injectable } from '@nestjs/common';
import type { CredentialStateChangedV1 } from '@lapse/shared';
import { internalFetch, SERVICE_API_TOKEN } from '@lapse/shared/http/service-auth';
import type { AdminPrincipal } from '@lapse/shared/http/admin-auth';
import { IDENTITY_CONFIG } from '../identity.tokens';
import type { IdentityConfig } from '../identity.config';

/** Directory could not be asked (network failure, timeout, 5xx). */
export class DirectoryUnavailableError extends Error {
  constructor(what: string) {
    super(`directory unavailable: ${what}`);
    this.name = 'DirectoryUnavailableError';
  }
}

export type PasswordChangeOutcome =
  | { readonly kind: 'CHANGED'; readonly credentialVersion: number }
  | { readonly kind: 'REFUSED'; readonly code: string; readonly causes: readonly string[] };

/** An outstanding reset link, as directory describes it to identity. */
export interface RecoveryLink {
  readonly userId: string;
  readonly expiresAt: string;
  readonly profile: {
    readonly login: string;
    readonly firstName: string | null;
    readonly lastName: string | null;
    readonly locale: string;
    readonly timeZone: string;
  };
}

interface OktaErrorLike {
  errorCode?: string;
  errorCauses?: { errorSummary?: string }[];
}

/** Identity's calls to directory's internal API (`/internal/v1/...`, service credential). */
@Injectable()
export class DirectoryClient {
  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(SERVICE_API_TOKEN) private readonly serviceToken: string,
  ) {}

  async changePassword(
    userId: string,
    oldPassword: string,
    newPassword: string,
  ): Promise<PasswordChangeOutcome> {
    const response = await this.call<{ credentialVersion?: number } & OktaErrorLike>(
      `/internal/v1/users/${encodeURIComponent(userId)}/credentials/change_password`,
      { body: { oldPassword, newPassword }, timeoutMs: 15_000 },
      'change password',
    );
    return this.passwordOutcome(response, 'E0000014', 'change password');
  }

  /** Whose reset link this is (by its SHA-256), or null when it is unknown, spent, superseded or expired. */
  async verifyRecoveryToken(recoveryTokenHash: string): Promise<RecoveryLink | null> {
    const response = await this.call<RecoveryLink>(
      '/internal/v1/recovery-tokens/verify',
      { body: { recoveryTokenHash }, timeoutMs: 5000 },
      'verify recovery token',
    );
    if (response.status === 200 && typeof response.body?.userId === 'string') return response.body;
    if (response.status >= 400 && response.status < 500) return null;
    throw new DirectoryUnavailableError(`verify recovery token answered ${response.status}`);
  }

  /** Sets the new password with the reset link (spending it); refusals carry directory's code and causes. */
  async resetPassword(
    userId: string,
    recoveryTokenHash: string,
    newPassword: string,
  ): Promise<PasswordChangeOutcome> {
    const response = await this.call<{ credentialVersion?: number } & OktaErrorLike>(
      `/internal/v1/users/${encodeURIComponent(userId)}/credentials/reset_password`,
      { body: { recoveryTokenHash, newPassword }, timeoutMs: 15_000 },
      'reset password',
    );
    return this.passwordOutcome(response, 'E0000080', 'reset password');
  }

  /**
   * A user's own forgot-password request: directory emails a reset link when the login names a user who may
   * have one, and says what it did (for logs only; the user's answer never depends on it).
   */
  async requestPasswordRecovery(login: string): Promise<string> {
    const response = await this.call<{ outcome?: string }>(
      '/internal/v1/recovery/password',
      { body: { login }, timeoutMs: 15_000 },
      'request password recovery',
    );
    if (response.status !== 200 || typeof response.body?.outcome !== 'string')
      throw new DirectoryUnavailableError(`request password recovery answered ${response.status}`);
    return response.body.outcome;
  }

  async lock(userId: string): Promise<void> {
    const response = await this.call(
      `/internal/v1/users/${encodeURIComponent(userId)}/lifecycle/lock`,
      { body: {} },
      'lock',
    );
    if (response.status >= 500) throw new DirectoryUnavailableError(`lock answered ${response.status}`);
  }

  /** The lock ended by `autoUnlockMinutes`: directory's status follows (a user no longer locked is left as is). */
  async unlock(userId: string): Promise<void> {
    const response = await this.call(
      `/internal/v1/users/${encodeURIComponent(userId)}/lifecycle/unlock`,
      { body: {} },
      'unlock',
    );
    if (response.status >= 500) throw new DirectoryUnavailableError(`unlock answered ${response.status}`);
  }

  /** Directory's current snapshot of the user's credential, or null when it does not know the user. */
  async credentialState(userId: string, timeoutMs = 1000): Promise<CredentialStateChangedV1 | null> {
    const response = await this.call<CredentialStateChangedV1>(
      `/internal/v1/users/${encodeURIComponent(userId)}/credential-state`,
      { timeoutMs },
      'credential state',
    );
    if (response.status === 404) return null;
    if (response.status !== 200 || typeof response.body?.credentialVersion !== 'number') {
      throw new DirectoryUnavailableError(`credential state answered ${response.status}`);
    }
    return response.body;
  }

  /** Directory's current snapshots of these users' credentials (at most 1,000); unknown users are left out. */
  async credentialStates(userIds: readonly string[], timeoutMs = 1000): Promise<CredentialStateChangedV1[]> {
    const response = await this.call<{ states?: CredentialStateChangedV1[] }>(
      '/internal/v1/users/credential-states',
      { body: { userIds }, timeoutMs },
      'credential states',
    );
    if (response.status !== 200 || !Array.isArray(response.body?.states)) {
      throw new DirectoryUnavailableError(`credential states answered ${response.status}`);
    }
    return response.body.states;
  }

  async passwordPolicy(timeoutMs = 2000): Promise<unknown> {
    const response = await this.call('/internal/v1/policies/password', { timeoutMs }, 'password policy');
    if (response.status !== 200)
      throw new DirectoryUnavailableError(`password policy answered ${response.status}`);
    return response.body;
  }

  /** Every policy that can apply (`PasswordPolicySetV1`); null from a directory that does not serve it yet. */
  async passwordPolicySet(timeoutMs = 2000): Promise<unknown> {
    const response = await this.call('/internal/v1/policies', { timeoutMs }, 'password policies');
    if (response.status === 404) return null;
    if (response.status !== 200)
      throw new DirectoryUnavailableError(`password policies answered ${response.status}`);
    return response.body;
  }

  async introspectAdminToken(token: string): Promise<AdminPrincipal | null> {
    const response = await this.call<{ active?: boolean } & Partial<AdminPrincipal>>(
      '/internal/v1/admin-tokens/introspect',
      { body: { token }, timeoutMs: 3000 },
      'introspect',
    );
    if (response.status >= 500) throw new DirectoryUnavailableError(`introspect answered ${response.status}`);
    const body = response.body;
    if (response.status !== 200 || !body?.active || !body.tokenId || !body.role) return null;
    return { tokenId: body.tokenId, name: body.name ?? body.tokenId, role: body.role };
  }

  private passwordOutcome(
    response: { status: number; body?: ({ credentialVersion?: number } & OktaErrorLike) | null },
    defaultCode: string,
    what: string,
  ): PasswordChangeOutcome {
    if (response.status === 200 && typeof response.body?.credentialVersion === 'number') {
      return { kind: 'CHANGED', credentialVersion: response.body.credentialVersion };
    }
    if (response.status >= 400 && response.status < 500) {
      const causes = (response.body?.errorCauses ?? []).flatMap((cause) =>
        cause.errorSummary ? [cause.errorSummary] : [],
      );
      return { kind: 'REFUSED', code: response.body?.errorCode ?? defaultCode, causes };
    }
    throw new DirectoryUnavailableError(`${what} answered ${response.status}`);
  }

  private async call<T>(path: string, init: { body?: unknown; timeoutMs?: number }, what: string) {
    try {
      return await internalFetch<T>(this.config.directoryUrl, this.serviceToken, path, init);
    } catch {
      throw new DirectoryUnavailableError(what);
    }
  }
}
