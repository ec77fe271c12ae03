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
  activeSession,
  endSession,
  endUserSessions,
  extendSession,
  insertSession,
  type SessionRecord,
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

  /** The legacy form: E0000064 for an expired password, only once the password verified. */
  async fromPassword(username: string, password: string): Promise<SessionRecord> {
    const deciding = this.gate.signIn(username, password, false);
    // Minted while the credential lookup is in flight, for every attempt alike: after the hash only the
    // insert is left (work right after a 19 MB argon2 pass runs on cold caches).
    const id = newSessionId();
    const verdict = await deciding;
    return this.open(verdict, verdict.verifiedAt, id);
  }

  async get(id: string): Promise<SessionRecord> {
    const session = looksLikeSecretToken(id) ? await activeSession(this.pool, id, this.clock.now()) : null;
    if (!session) throw new NotFoundError('Session');
    return session;
  }

  async refresh(id: string): Promise<SessionRecord> {
    const now = this.clock.now();
    const session = looksLikeSecretToken(id)
      ? await extendSession(this.pool, id, now, this.expiryFrom(now))
      : null;
    if (!session) throw new NotFoundError('Session');
    return session;
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

  private async open(
    verdict: Verdict,
    passwordVerifiedAt: Date,
    id: NewSessionId = newSessionId(),
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
    const now = this.clock.now();
    const session: SessionRecord = {
      id: id.secret,
      userId: facts.credential.userId,
      login: facts.credential.login,
      credentialVersion: facts.credential.credentialVersion,
      createdAt: now,
      expiresAt: this.expiryFrom(now),
      lastPasswordVerification: passwordVerifiedAt,
    };
    await insertSession(this.pool, session, id.digest);
    this.metrics.count('lapse_identity_sessions_created_total');
    return session;
  }

  private expiryFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.sessionLifetimeMinutes * 60_000);
  }
}
