import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, LOGGER, type Logger, PG_POOL, type SignInAttemptedV1 } from '@lapse/shared';
import { withSpan } from '@lapse/shared/tracing/tracing';
import type { Pool } from 'pg';
import { afterAnswering } from '../audit-trail/after-answering';
import { IdentityAuditTrail } from '../audit-trail/identity-audit-trail';
import { applyCredentialState } from '../credential-projection/credential.projection';
import {
  type GateFacts,
  gateFactsByLogin,
  gateFactsByUserId,
} from '../credential-projection/credential.store';
import { ProjectionLagMonitor } from '../credential-projection/projection-lag.monitor';
import { CredentialConfirmations } from '../directory-client/credential-confirmations';
import { DirectoryClient } from '../directory-client/directory.client';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { clearLockout, countFailedAttempt, lockAccount } from '../lockout/lockout.repository';
import { IdentityMetrics } from '../metrics/identity.metrics';
import type { PasswordPolicy } from './domain/password-policy';
import {
  afterFailedAttempt,
  autoUnlocked,
  canIssueSession,
  canSignInWithPassword,
  decideSignIn,
  type SignInAnswer,
} from './domain/sign-in-gate';
import { PasswordHashHints } from './password-hash-hints';
import { PasswordPolicyCache } from './password-policy.cache';
import { PasswordVerifier } from './password-verifier';
import { credentialUnconfirmed, overloaded } from './sign-in.errors';

/** The gate's verdict on a sign-in: the answer, and the facts it was given (null for an unknown user). */
export interface Verdict {
  readonly answer: SignInAnswer;
  readonly facts: GateFacts | null;
  readonly policy: PasswordPolicy;
  readonly verifiedAt: Date;
  /** The caller's provisional row stands for this verdict: it issues a session from exactly those facts. */
  readonly provisionalStands?: boolean;
}

/**
 * A row a sign-in writes in the same statement as its credential lookup — the session (or token) it would
 * issue — so that nothing is left to write once the hash has verified. The gate withdraws it whenever the
 * verdict issues nothing, or issues from other facts (directory had a newer credential).
 */
export interface Provisional {
  /** The gate facts for the login, the provisional row written alongside (none for an unknown login). */
  lookup(login: string): Promise<GateFacts | null>;
  withdraw(): Promise<void>;
}

/** Where a password sign-in came from, for the System Log (`user.session.start`). */
export interface SignInAttempt {
  readonly via: 'AUTHN' | 'SESSION';
  readonly clientIp: string | null;
}

const FAILED: SignInAnswer = { kind: 'AUTHENTICATION_FAILED' };
const issuesSession = (answer: SignInAnswer) => answer.kind === 'SUCCESS' || answer.kind === 'PASSWORD_WARN';

/**
 * Where a password meets the projection. Verifies (a dummy hash for unknown users), counts failures and
 * locks, runs the pure gate, and — before anything that leads to a session — makes sure the projection is
 * fresh enough, asking directory for the credential version when it is not.
 */
@Injectable()
export class CredentialGate {
  /**
   * Sign-ins of this process between admission and verdict. Past `SIGN_IN_MAX_IN_FLIGHT` a sign-in is shed:
   * under overload the hashing threads fall behind and every request would otherwise wait in a queue that
   * only grows (seconds, then the gateway's connections pile up until the kernel resets them); a fast 429
   * tells the client to come back and keeps the wait of the admitted ones bounded.
   */
  private inFlight = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly verifier: PasswordVerifier,
    private readonly policies: PasswordPolicyCache,
    private readonly hints: PasswordHashHints,
    private readonly directory: DirectoryClient,
    private readonly confirmations: CredentialConfirmations,
    private readonly lag: ProjectionLagMonitor,
    private readonly metrics: IdentityMetrics,
    private readonly trail: IdentityAuditTrail,
  ) {}

  /** The verdict on a password sign-in; recorded for the System Log (after answering) when `attempt` says whence. */
  async signIn(
    username: string,
    password: string,
    warnBeforePasswordExpired: boolean,
    provisional?: Provisional,
    attempt?: SignInAttempt,
  ): Promise<Verdict> {
    if (this.inFlight >= this.config.signInMaxInFlight) {
      this.metrics.count('lapse_identity_sign_ins_shed_total', { reason: 'IN_FLIGHT' });
      throw overloaded();
    }
    this.inFlight++;
    try {
      const verdict = await this.decide(username, password, warnBeforePasswordExpired, provisional);
      if (attempt) this.recordAttempt(username, verdict, attempt);
      return verdict;
    } finally {
      this.inFlight--;
    }
  }

  private async decideUntraced(
    username: string,
    password: string,
    warnBeforePasswordExpired: boolean,
    provisional?: Provisional,
  ): Promise<Verdict> {
    const verdict = await this.verifyAndGate(username, password, warnBeforePasswordExpired, provisional);
    if (!issuesSession(verdict.answer) || !verdict.facts) return this.counted(verdict);
    let confirmed: Awaited<ReturnType<CredentialGate['confirmFresh']>>;
    try {
      confirmed = await this.confirmFresh(verdict.facts);
    } catch (error) {
      await this.withdraw(verdict, provisional);
      throw error;
    }
    if (confirmed === 'CURRENT') return this.counted(await this.succeeded(verdict));
    await this.withdraw(verdict, provisional);
    if (confirmed === 'UNKNOWN_USER')
      return this.counted({ ...verdict, answer: FAILED, provisionalStands: false });
    // Directory knows a newer credential: verify again against it, without asking twice.
    return this.counted(
      await this.succeeded(await this.verifyAndGate(username, password, warnBeforePasswordExpired)),
    );
  }

  /**
   * While tracing is on, the verdict is reached in a span `sign-in` of the request's own trace (not linked to the
   * expiry that refuses it) whose `lapse.sign_in.outcome` is the answer (`PASSWORD_EXPIRED`, `SUCCESS`…); no
   * login in it.
   */
  private decide(
    username: string,
    password: string,
    warnBeforePasswordExpired: boolean,
    provisional?: Provisional,
  ): Promise<Verdict> {
    return withSpan('sign-in', {}, async (span) => {
      const verdict = await this.decideUntraced(username, password, warnBeforePasswordExpired, provisional);
      span?.setAttribute('lapse.sign_in.outcome', verdict.answer.kind);
      return verdict;
    });
  }

  /** For a session token: the credential must still be the one the password was proven for. */
  async forProvenCredential(userId: string, provenVersion: number): Promise<Verdict> {
    const base = await this.policies.current();
    let facts = await gateFactsByUserId(this.pool, userId);
    const now = this.clock.now();
    if (!facts) return { answer: FAILED, facts, policy: base, verifiedAt: now };
    const confirmed = await this.confirmFresh(facts);
    if (confirmed === 'UNKNOWN_USER') return { answer: FAILED, facts, policy: base, verifiedAt: now };
    if (confirmed === 'CHANGED') facts = await gateFactsByUserId(this.pool, userId);
    if (!facts) return { answer: FAILED, facts, policy: base, verifiedAt: now };
    const policy = await this.policies.forCredential(facts.credential);
    const answer = canIssueSession({ ...facts, policy, now }, provenVersion);
    return { answer, facts, policy, verifiedAt: now };
  }

  /**
   * With a hint (the hash this login had last time) the verification starts at once and the lookup runs
   * meanwhile; its result counts only if the lookup returns that same hash, else the password is verified
   * again against what it returned. Without one (first sign-in, unknown login) the lookup comes first.
   */
  private async verifyAndGate(
    username: string,
    password: string,
    warn: boolean,
    provisional?: Provisional,
  ): Promise<Verdict> {
    const hint = this.hints.get(username);
    const looking = Promise.all([
      provisional ? provisional.lookup(username) : gateFactsByLogin(this.pool, username),
      this.policies.current(),
    ]);
    const early = hint === undefined ? null : this.verifier.verify(hint, password);
    const [facts, base] = await looking.catch(async (error: unknown) => {
      await early;
      throw error;
    });
    // The user's effective policy (a group policy's, else the default): only a query when one is active.
    const policy = facts
      ? await this.policies.forCredential(facts.credential).catch(async (error: unknown) => {
          await early;
          throw error;
        })
      : base;
    const hash = facts?.credential.passwordHash ?? null;
    this.hints.remember(username, hash);
    const verified =
      early !== null && (hash === hint || facts === null)
        ? await early
        : await this.verifier.verify(hash, password);
    const now = this.clock.now();
    if (!facts) return { answer: FAILED, facts, policy, verifiedAt: now };
    if (!verified) {
      // After answering: an unknown login writes nothing, so neither may the answer to a wrong password wait
      // for a write (the failure count, the provisional row's withdrawal).
      afterAnswering(
        () => Promise.all([this.recordFailure(facts, policy, now), provisional?.withdraw()]),
        (error) => this.logger.warn({ err: errorText(error) }, 'failed attempt not recorded'),
      );
      return { answer: FAILED, facts, policy, verifiedAt: now };
    }
    const answer = decideSignIn({ ...facts, policy, now, warnBeforePasswordExpired: warn });
    if (!issuesSession(answer)) await provisional?.withdraw();
    return {
      answer,
      facts,
      policy,
      verifiedAt: now,
      provisionalStands: provisional && issuesSession(answer),
    };
  }

  private async withdraw(verdict: Verdict, provisional: Provisional | undefined): Promise<void> {
    if (verdict.provisionalStands) await provisional?.withdraw();
  }

  /**
   * CURRENT: the projection is within its lag bound, or directory confirmed its version. CHANGED: directory
   * had a newer credential, now applied. Directory unreachable while stale: 503 when failing closed.
   */
  private async confirmFresh(facts: GateFacts): Promise<'CURRENT' | 'CHANGED' | 'UNKNOWN_USER'> {
    const lag = this.lag.current();
    if (lag && lag.seconds * 1000 <= this.config.projectionMaxLagMs) return 'CURRENT';
    this.metrics.count('lapse_identity_staleness_checks_total');
    try {
      const snapshot = await this.confirmations.state(facts.credential.userId);
      if (!snapshot) return 'UNKNOWN_USER';
      if (snapshot.credentialVersion <= facts.credential.credentialVersion) return 'CURRENT';
      await applyCredentialState(this.pool, snapshot);
      return 'CHANGED';
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'credential not confirmed',
      );
      if (this.config.failClosed) {
        this.metrics.count('lapse_identity_fail_closed_total');
        throw credentialUnconfirmed();
      }
      return 'CURRENT';
    }
  }

  private async succeeded(verdict: Verdict): Promise<Verdict> {
    const facts = verdict.facts;
    if (!issuesSession(verdict.answer) || !facts) return verdict;
    if (facts.lockout) await clearLockout(this.pool, facts.credential.userId);
    // Signing in while locked means the lock has run out (autoUnlockMinutes): directory's status follows.
    if (facts.lockout?.lockedAt || facts.credential.status === 'LOCKED_OUT')
      this.tellDirectoryUnlocked(facts);
    return verdict;
  }

  private tellDirectoryUnlocked(facts: GateFacts): void {
    const { userId } = facts.credential;
    this.logger.info({ userId }, 'lock ended after the lockout period');
    this.directory.unlock(userId).catch((error: unknown) => {
      this.logger.warn(
        { userId, err: error instanceof Error ? error.message : String(error) },
        'directory not told of unlock',
      );
    });
  }

  private async recordFailure(facts: GateFacts, policy: PasswordPolicy, now: Date): Promise<void> {
    const { credential, lockout } = facts;
    if (!canSignInWithPassword(credential)) return;
    if (lockout?.lockedAt) {
      if (!autoUnlocked(lockout.lockedAt, policy, now)) return;
      await clearLockout(this.pool, credential.userId);
      this.tellDirectoryUnlocked(facts);
    }
    const counted = await countFailedAttempt(this.pool, credential.userId, now);
    const decision = afterFailedAttempt(
      { failedAttempts: counted.failedAttempts - 1, lockedAt: counted.lockedAt },
      policy,
    );
    if (!decision.locks || !(await lockAccount(this.pool, credential.userId, now))) return;
    this.metrics.count('lapse_identity_lockouts_total');
    this.logger.info({ userId: credential.userId }, 'account locked after failed sign-ins');
    this.directory.lock(credential.userId).catch((error: unknown) => {
      this.logger.warn(
        { userId: credential.userId, err: error instanceof Error ? error.message : String(error) },
        'directory not told of lock',
      );
    });
  }

  private recordAttempt(username: string, verdict: Verdict, attempt: SignInAttempt): void {
    const { outcome, reason } = auditOutcomeOf(verdict);
    const user = verdict.facts?.credential ?? null;
    this.trail.signInAttempted(
      {
        userId: user?.userId ?? null,
        login: user?.login ?? username,
        outcome,
        reason,
        via: attempt.via,
        clientIp: attempt.clientIp,
        attemptedAt: verdict.verifiedAt.toISOString(),
      },
      { actor: user ? `user:${user.userId}` : 'system' },
    );
  }

  private counted(verdict: Verdict): Verdict {
    this.metrics.count('lapse_identity_sign_ins_total', { answer: verdict.answer.kind });
    return verdict;
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Okta's `user.session.start` outcome for a verdict (unknown login: `VERIFICATION_ERROR`, as Okta logs it). */
export function auditOutcomeOf(verdict: Verdict): Pick<SignInAttemptedV1, 'outcome' | 'reason'> {
  switch (verdict.answer.kind) {
    case 'SUCCESS':
      return { outcome: 'SUCCESS', reason: null };
    case 'PASSWORD_WARN':
      return { outcome: 'SUCCESS', reason: 'PASSWORD_WARN' };
    case 'PASSWORD_EXPIRED':
      return { outcome: 'FAILURE', reason: 'PASSWORD_EXPIRED' };
    case 'TEMPORARY_PASSWORD_EXPIRED':
      return { outcome: 'FAILURE', reason: 'TEMPORARY_PASSWORD_EXPIRED' };
    case 'LOCKED_OUT':
      return { outcome: 'FAILURE', reason: 'LOCKED_OUT' };
    case 'AUTHENTICATION_FAILED':
      return { outcome: 'FAILURE', reason: verdict.facts ? 'INVALID_CREDENTIALS' : 'VERIFICATION_ERROR' };
  }
}
