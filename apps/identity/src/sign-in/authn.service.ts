import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, CredentialUpdateFailedError, LOGGER, type Logger, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import { applyCredentialState } from '../credential-projection/credential.projection';
import {
  credentialVersionOf,
  type GateFacts,
  gateFactsByUserId,
} from '../credential-projection/credential.store';
import { DirectoryClient, DirectoryUnavailableError } from '../directory-client/directory.client';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { clearLockout } from '../lockout/lockout.repository';
import {
  gateFactsGrantingSessionToken,
  insertSessionToken,
  withdrawSessionToken,
} from '../sessions/session-token.repository';
import { digestOf, looksLikeSecretToken, newSecretToken } from '../tokens/secret-token';
import {
  type AuthnTransaction,
  changeTransaction,
  lockedOutTransaction,
  successTransaction,
} from './authn.responses';
import { CredentialGate, type Verdict } from './credential-gate.service';
import {
  authenticationFailed,
  credentialUnconfirmed,
  invalidToken,
  temporaryPasswordExpired,
  wrongTransactionState,
} from './sign-in.errors';
import {
  findTransaction,
  finishTransaction,
  insertTransaction,
  type SignInTransaction,
} from './sign-in-transaction.repository';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Okta's authentication API: primary authentication, change of an expired password, skip, cancel. */
@Injectable()
export class AuthnService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly gate: CredentialGate,
    private readonly directory: DirectoryClient,
  ) {}

  async authenticate(
    username: string,
    password: string,
    warnBeforePasswordExpired: boolean,
    clientIp: string | null = null,
  ): Promise<AuthnTransaction> {
    // The session token a SUCCESS answers is written by the lookup's own statement, while the hash runs.
    const token = newSecretToken();
    const tokenHash = digestOf(token);
    const createdAt = this.clock.now();
    const expiresAt = this.sessionTokenExpiry(createdAt);
    const verdict = await this.gate.signIn(
      username,
      password,
      warnBeforePasswordExpired,
      {
        lookup: (login) => gateFactsGrantingSessionToken(this.pool, login, tokenHash, createdAt, expiresAt),
        withdraw: () => withdrawSessionToken(this.pool, tokenHash),
      },
      { via: 'AUTHN', clientIp },
    );
    const { answer, facts } = verdict;
    if (!facts) throw authenticationFailed();
    if (verdict.provisionalStands && answer.kind === 'SUCCESS')
      return successTransaction(facts, token, expiresAt);
    if (verdict.provisionalStands) await withdrawSessionToken(this.pool, tokenHash);
    switch (answer.kind) {
      case 'SUCCESS':
        return this.success(facts, verdict.verifiedAt);
      case 'PASSWORD_EXPIRED':
        return this.beginChange('PASSWORD_EXPIRED', verdict);
      case 'PASSWORD_WARN':
        return this.beginChange('PASSWORD_WARN', verdict, answer.passwordExpireDays);
      case 'LOCKED_OUT':
        return lockedOutTransaction();
      case 'TEMPORARY_PASSWORD_EXPIRED':
        throw temporaryPasswordExpired();
      case 'AUTHENTICATION_FAILED':
        throw authenticationFailed();
    }
  }

  /**
   * Sends the new password to directory as a command, waits until identity's own projection holds the new
   * credential version (read-your-writes), and only then answers SUCCESS with a session token.
   */
  async changePassword(
    stateToken: string,
    oldPassword: string,
    newPassword: string,
  ): Promise<AuthnTransaction> {
    const transaction = await this.liveTransaction(stateToken);
    if (transaction.status !== 'PASSWORD_EXPIRED' && transaction.status !== 'PASSWORD_WARN')
      throw wrongTransactionState();
    const current = await credentialVersionOf(this.pool, transaction.userId);
    if (current !== transaction.credentialVersion) throw invalidToken();
    let outcome: Awaited<ReturnType<DirectoryClient['changePassword']>>;
    try {
      outcome = await this.directory.changePassword(transaction.userId, oldPassword, newPassword);
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) throw credentialUnconfirmed();
      throw error;
    }
    if (outcome.kind === 'REFUSED') throw new CredentialUpdateFailedError(outcome.causes);
    const facts = await this.awaitCredentialVersion(transaction.userId, outcome.credentialVersion);
    await finishTransaction(this.pool, stateToken, transaction.status, 'SUCCESS', this.clock.now());
    await clearLockout(this.pool, transaction.userId);
    return this.success(facts, this.clock.now());
  }

  /** Leaves the warning behind and signs in, while the password still is not expired. */
  async skip(stateToken: string): Promise<AuthnTransaction> {
    const transaction = await this.liveTransaction(stateToken);
    if (transaction.status !== 'PASSWORD_WARN') throw wrongTransactionState();
    const verdict = await this.gate.forProvenCredential(transaction.userId, transaction.credentialVersion);
    if (verdict.answer.kind !== 'SUCCESS' || !verdict.facts) throw wrongTransactionState();
    if (!(await finishTransaction(this.pool, stateToken, 'PASSWORD_WARN', 'SUCCESS', this.clock.now())))
      throw invalidToken();
    return this.success(verdict.facts, transaction.createdAt);
  }

  async cancel(stateToken: string): Promise<Record<string, never>> {
    const transaction = await this.liveTransaction(stateToken);
    if (!(await finishTransaction(this.pool, stateToken, transaction.status, 'CANCELLED', this.clock.now())))
      throw invalidToken();
    return {};
  }

  /** A state token that exists, has not expired and was not cancelled; SUCCESS ones are the caller's to refuse. */
  private async liveTransaction(stateToken: string): Promise<SignInTransaction> {
    if (!looksLikeSecretToken(stateToken)) throw invalidToken();
    const transaction = await findTransaction(this.pool, stateToken);
    const now = this.clock.now();
    if (
      !transaction ||
      transaction.status === 'CANCELLED' ||
      transaction.expiresAt.getTime() <= now.getTime()
    ) {
      throw invalidToken();
    }
    if (transaction.status === 'SUCCESS') throw wrongTransactionState();
    return transaction;
  }

  async success(facts: GateFacts, verifiedAt: Date): Promise<AuthnTransaction> {
    const token = newSecretToken();
    const now = this.clock.now();
    const expiresAt = this.sessionTokenExpiry(now);
    await insertSessionToken(
      this.pool,
      token,
      {
        userId: facts.credential.userId,
        credentialVersion: facts.credential.credentialVersion,
        passwordVerifiedAt: verifiedAt,
      },
      now,
      expiresAt,
    );
    return successTransaction(facts, token, expiresAt);
  }

  private sessionTokenExpiry(now: Date): Date {
    return new Date(now.getTime() + this.config.sessionTokenLifetimeSeconds * 1000);
  }

  private async beginChange(status: 'PASSWORD_EXPIRED' | 'PASSWORD_WARN', verdict: Verdict, days?: number) {
    const facts = verdict.facts as GateFacts;
    const stateToken = newSecretToken();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.stateTokenLifetimeSeconds * 1000);
    await insertTransaction(this.pool, stateToken, {
      userId: facts.credential.userId,
      status,
      credentialVersion: facts.credential.credentialVersion,
      createdAt: now,
      expiresAt,
    });
    return changeTransaction(
      this.config.base.publicUrl,
      status,
      facts,
      verdict.policy,
      stateToken,
      expiresAt,
      days,
    );
  }

  /**
   * Waits (bounded) for the projection to apply directory's new snapshot. Past the bound, reads the snapshot
   * from directory and applies it here — the same idempotent write the consumer makes.
   */
  async awaitCredentialVersion(userId: string, version: number): Promise<GateFacts> {
    const deadline = Date.now() + this.config.changePasswordWaitMs;
    let pause = 2;
    while (Date.now() < deadline) {
      const facts = await gateFactsByUserId(this.pool, userId);
      if (facts && facts.credential.credentialVersion >= version) return facts;
      await sleep(pause);
      pause = Math.min(pause * 2, 50);
    }
    this.logger.warn(
      { userId, version },
      'projection did not reach the new credential in time; asking directory',
    );
    const snapshot = await this.directory.credentialState(userId, 2000).catch(() => null);
    if (snapshot && snapshot.credentialVersion >= version) await applyCredentialState(this.pool, snapshot);
    const facts = await gateFactsByUserId(this.pool, userId);
    if (facts && facts.credential.credentialVersion >= version) return facts;
    throw credentialUnconfirmed();
  }
}
