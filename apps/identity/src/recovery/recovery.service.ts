import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  LOGGER,
  type Logger,
  looksLikeRecoveryToken,
  PG_POOL,
  recoveryTokenHash,
} from '@lapse/shared';
import { afterAnswering } from '../audit-trail/after-answering';
import type { Pool } from 'pg';
import { credentialVersionOf } from '../credential-projection/credential.store';
import { DirectoryClient, DirectoryUnavailableError } from '../directory-client/directory.client';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { clearLockout } from '../lockout/lockout.repository';
import type { AuthnTransaction } from '../sign-in/authn.responses';
import { AuthnService } from '../sign-in/authn.service';
import { PasswordPolicyCache } from '../sign-in/password-policy.cache';
import { credentialUnconfirmed, invalidToken, wrongTransactionState } from '../sign-in/sign-in.errors';
import { findTransaction, finishTransaction } from '../sign-in/sign-in-transaction.repository';
import { looksLikeSecretToken, newSecretToken } from '../tokens/secret-token';
import { insertRecoveryTransaction, recoveryTokenHashOf } from './recovery-transaction.repository';
import { passwordPolicyViolated, recoveryLinkInvalid } from './recovery.errors';
import { RecoveryRateLimiter } from './recovery-rate-limit';
import {
  passwordResetTransaction,
  RECOVERY_CHALLENGE,
  type RecoveryChallenge,
  type RecoveryTransaction,
} from './recovery.responses';

/**
 * Okta's recovery transaction for a reset-password link: the link's token opens a PASSWORD_RESET
 * transaction (a state token); the new password goes to directory, which spends the link in the same
 * command that sets the password; SUCCESS comes once identity's projection holds the new password.
 * Identity never stores the link: it sends and keeps only its SHA-256.
 */
@Injectable()
export class RecoveryService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly directory: DirectoryClient,
    private readonly policies: PasswordPolicyCache,
    private readonly authn: AuthnService,
    private readonly rateLimit: RecoveryRateLimiter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Okta's forgot password (`POST /api/v1/authn/recovery/password`, factor EMAIL): the same answer whether
   * or not the user exists or may reset, given before directory is asked, so neither its content nor its
   * time tells them apart. After answering, directory emails a one-use reset link when the username names
   * a user who may reset their password themselves (not in one-time password mode, not locked, suspended
   * or deactivated, with an email address). Rate limited per username and per client address (429 E0000047).
   * Returns the rate-limit headers to send.
   */
  requestPasswordRecovery(
    username: string,
    clientIp: string | null,
  ): { answer: RecoveryChallenge; headers: Record<string, string> } {
    const headers = this.rateLimit.admit(username, clientIp, this.clock.now().getTime());
    afterAnswering(
      async () => {
        const outcome = await this.directory.requestPasswordRecovery(username);
        this.logger.debug({ outcome }, 'self-service password recovery requested');
      },
      (error) =>
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'self-service password recovery not requested: directory did not answer',
        ),
    );
    return { answer: RECOVERY_CHALLENGE, headers };
  }

  async verifyRecoveryToken(recoveryToken: string): Promise<RecoveryTransaction> {
    if (!looksLikeRecoveryToken(recoveryToken)) throw recoveryLinkInvalid();
    const tokenHash = recoveryTokenHash(recoveryToken);
    const link = await this.directory.verifyRecoveryToken(tokenHash).catch((error: unknown) => {
      if (error instanceof DirectoryUnavailableError) throw credentialUnconfirmed();
      throw error;
    });
    if (!link) throw recoveryLinkInvalid();
    const stateToken = newSecretToken();
    const now = this.clock.now();
    const linkExpiresAt = Date.parse(link.expiresAt);
    const expiresAt = new Date(
      Math.min(now.getTime() + this.config.stateTokenLifetimeSeconds * 1000, linkExpiresAt),
    );
    await insertRecoveryTransaction(this.pool, stateToken, {
      userId: link.userId,
      credentialVersion: (await credentialVersionOf(this.pool, link.userId)) ?? 0,
      recoveryTokenHash: tokenHash,
      createdAt: now,
      expiresAt,
    });
    const policy = await this.policies.forUser(link.userId);
    return passwordResetTransaction(this.config.base.publicUrl, link, policy, stateToken, expiresAt);
  }

  async resetPassword(stateToken: string, newPassword: string): Promise<AuthnTransaction> {
    if (!looksLikeSecretToken(stateToken)) throw invalidToken();
    const transaction = await findTransaction(this.pool, stateToken);
    if (
      !transaction ||
      transaction.status === 'CANCELLED' ||
      transaction.expiresAt.getTime() <= this.clock.now().getTime()
    ) {
      throw invalidToken();
    }
    if (transaction.status !== 'PASSWORD_RESET') throw wrongTransactionState();
    const tokenHash = await recoveryTokenHashOf(this.pool, stateToken);
    if (!tokenHash) throw invalidToken();
    const outcome = await this.directory
      .resetPassword(transaction.userId, tokenHash, newPassword)
      .catch((error: unknown) => {
        if (error instanceof DirectoryUnavailableError) throw credentialUnconfirmed();
        throw error;
      });
    if (outcome.kind === 'REFUSED') {
      if (outcome.code === 'E0000080') throw passwordPolicyViolated(outcome.causes);
      // The link was spent (another tab), superseded or expired meanwhile: this transaction is over.
      await finishTransaction(this.pool, stateToken, 'PASSWORD_RESET', 'CANCELLED', this.clock.now());
      throw recoveryLinkInvalid();
    }
    const facts = await this.authn.awaitCredentialVersion(transaction.userId, outcome.credentialVersion);
    await finishTransaction(this.pool, stateToken, 'PASSWORD_RESET', 'SUCCESS', this.clock.now());
    await clearLockout(this.pool, transaction.userId);
    return this.authn.success(facts, this.clock.now());
  }
}
