import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, NotFoundError, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { GateFacts } from '../credential-projection/credential.store';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { IdentityMetrics } from '../metrics/identity.metrics';
import { CredentialGate, type Verdict } from '../sign-in/credential-gate.service';
import {
  authenticationFailed,
  invalidToken,
  passwordExpired,
  temporaryPasswordExpired,
} from '../sign-in/sign-in.errors';
import { digestOf, looksLikeSecretToken, newSecretToken } from '../tokens/secret-token';
import { redeemSessionToken } from './session-token.repository';
import {
  endSession,
  endUserSessions,
  gateFactsOpeningSession,
  insertSession,
  type ProvisionalSession,
  type SessionRecord,
  useSession,
  withdrawSession,
} from './session.repository';

/** Okta's Session object. */
export interface SessionView {
  readonly id: string;
  readonly userId: string;
  readonly login: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly status: 'ACTIVE';
  readonly lastPasswordVerification: string;
  readonly lastFactorVerification: null;
  readonly amr: string[];
  readonly idp: { id: string; type: 'OKTA' };
  readonly mfaActive: false;
  readonly _links: Record<string, unknown>;
}

/** A new session id (the bearer secret) and the digest stored in its place. */
interface NewSessionId {
  readonly secret: string;
  readonly digest: string;
}

function newSessionId(): NewSessionId {
  const secret = newSecretToken();
  return { secret, digest: digestOf(secret) };
}

/** Sessions: created from a one-use session token or (legacy) straight from a password; checked, refreshed, ended. */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly gate: CredentialGate,
    private readonly metrics: IdentityMetrics,
  ) {}

  /** Spends the session token, then checks the credential is still the one proven and not expired since. */
  async fromSessionToken(sessionToken: string): Promise<SessionRecord> {
    if (!looksLikeSecretToken(sessionToken)) throw invalidToken();
    const grant = await redeemSessionToken(this.pool, sessionToken, this.clock.now());
    if (!grant) throw invalidToken();
    const verdict = await this.gate.forProvenCredential(grant.userId, grant.credentialVersion);
    return this.open(verdict, grant.passwordVerifiedAt);
  }

  /**
   * The legacy form: E0000064 for an expired password, only once the password verified. The session is
   * written by the credential lookup's own statement, while the hash runs, and withdrawn unless it is issued
   * (`gateFactsOpeningSession`): once the password has verified nothing is left but to answer.
   */
  async fromPassword(
    username: string,
    password: string,
    clientIp: string | null = null,
  ): Promise<SessionRecord> {
    const id = newSessionId();
    const createdAt = this.clock.now();
    const written: ProvisionalSession = {
      idHash: id.digest,
      createdAt,
      expiresAt: this.expiryFrom(createdAt),
    };
    const verdict = await this.gate.signIn(
      username,
      password,
      false,
      {
        lookup: (login) => gateFactsOpeningSession(this.pool, login, written),
        withdraw: () => withdrawSession(this.pool, written.idHash),
      },
      { via: 'SESSION', clientIp },
    );
    return this.open(verdict, verdict.verifiedAt, id, verdict.provisionalStands ? written : undefined);
  }

  /**
   * The session, if active (get, `me`, internal verify): a use, so its idle expiry moves on, written once
   * it would move by a hundredth of the idle time (72 s of the default 120 minutes) or more.
   */
  async get(id: string): Promise<SessionRecord> {
    return this.use(id, this.config.session.idleMinutes * 600);
  }

  /** Renews the idle expiry now, never past the maximum lifetime; an ended or expired session stays gone. */
  async refresh(id: string): Promise<SessionRecord> {
    return this.use(id, 0);
  }

  private async use(id: string, minimumStepMs: number): Promise<SessionRecord> {
    const session = looksLikeSecretToken(id)
      ? await useSession(this.pool, id, this.clock.now(), this.config.session, minimumStepMs)
      : null;
    if (!session) throw new NotFoundError('Session');
    return session;
  }

  /** When the session ends at the latest (its maximum lifetime): the `sid` cookie need not outlive it. */
  latestEnd(session: SessionRecord): Date {
    return new Date(session.createdAt.getTime() + this.config.session.maxLifetimeMinutes * 60_000);
  }

  async end(id: string): Promise<void> {
    const ended =
      looksLikeSecretToken(id) && (await endSession(this.pool, id, this.clock.now(), 'USER_SIGNED_OUT'));
    if (!ended) throw new NotFoundError('Session');
  }

  async endAllOf(userId: string, reason: string): Promise<number> {
    const now = this.clock.now();
    return endUserSessions(this.pool, userId, now, now, reason);
  }

  view(session: SessionRecord): SessionView {
    const base = this.config.base.publicUrl;
    const self = `${base}/api/v1/sessions/${session.id}`;
    return {
      id: session.id,
      userId: session.userId,
      login: session.login,
      createdAt: session.createdAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      status: 'ACTIVE',
      lastPasswordVerification: session.lastPasswordVerification.toISOString(),
      lastFactorVerification: null,
      amr: ['pwd'],
      idp: { id: 'lapse', type: 'OKTA' },
      mfaActive: false,
      _links: {
        self: { href: self, hints: { allow: ['GET', 'DELETE'] } },
        refresh: { href: `${self}/lifecycle/refresh`, hints: { allow: ['POST'] } },
        user: {
          name: session.login,
          href: `${base}/api/v1/users/${session.userId}`,
          hints: { allow: ['GET'] },
        },
      },
    };
  }

  /** The session the verdict issues: `written` when its row is already in place (a password sign-in's). */
  private async open(
    verdict: Verdict,
    passwordVerifiedAt: Date,
    id: NewSessionId = newSessionId(),
    written?: ProvisionalSession,
  ): Promise<SessionRecord> {
    const facts = verdict.facts as GateFacts | null;
    switch (verdict.answer.kind) {
      case 'SUCCESS':
      case 'PASSWORD_WARN':
        break;
      case 'PASSWORD_EXPIRED':
        throw passwordExpired();
      case 'TEMPORARY_PASSWORD_EXPIRED':
        throw temporaryPasswordExpired();
      case 'LOCKED_OUT':
      case 'AUTHENTICATION_FAILED':
        throw authenticationFailed();
    }
    if (!facts) throw authenticationFailed();
    const now = written?.createdAt ?? this.clock.now();
    const session: SessionRecord = {
      id: id.secret,
      userId: facts.credential.userId,
      login: facts.credential.login,
      credentialVersion: facts.credential.credentialVersion,
      createdAt: now,
      expiresAt: written?.expiresAt ?? this.expiryFrom(now),
      lastPasswordVerification: written?.createdAt ?? passwordVerifiedAt,
    };
    if (!written) await insertSession(this.pool, session, id.digest);
    this.metrics.count('lapse_identity_sessions_created_total');
    return session;
  }

  /** A new session's expiry: the idle time from its creation (configuration keeps the maximum lifetime longer). */
  private expiryFrom(createdAt: Date): Date {
    return new Date(createdAt.getTime() + this.config.session.idleMinutes * 60_000);
  }
}
