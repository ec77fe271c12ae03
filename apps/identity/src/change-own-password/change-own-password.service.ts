import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  CredentialUpdateFailedError,
  DomainError,
  NotFoundError,
  type OktaErrorCode,
  PG_POOL,
} from '@lapse/shared';
import type { Pool } from 'pg';
import { OKTA_ERRORS } from '@lapse/shared/http/okta-error';
import { DirectoryClient, DirectoryUnavailableError } from '../directory-client/directory.client';
import { endOtherUserSessions, type SessionRecord } from '../sessions/session.repository';
import { SessionsService } from '../sessions/sessions.service';
import { AuthnService } from '../sign-in/authn.service';
import { credentialUnconfirmed } from '../sign-in/sign-in.errors';

/** No session cookie, or one whose session ended or expired: Okta's answer on `me` routes. */
export const invalidSession = () => new DomainError('E0000005', 'Invalid session');

/**
 * A signed-in user changes their own password (`POST /api/v1/users/me/credentials/change_password` and the
 * page `/signin/change-password`): the session names the user; directory proves the old password and checks
 * the new one against the policy and history (refusals: 403 E0000014 with Okta's causes), and answers only
 * once identity's projection holds the new password, so the next sign-in uses it. The session in use stays;
 * with `revokeSessions` (Okta's flag) every other session of the user ends.
 */
@Injectable()
export class ChangeOwnPasswordService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly directory: DirectoryClient,
    private readonly authn: AuthnService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The session behind the cookie, or 403 E0000005. */
  async sessionOf(sessionId: string | null): Promise<SessionRecord> {
    if (!sessionId) throw invalidSession();
    try {
      return await this.sessions.get(sessionId);
    } catch (error) {
      if (error instanceof NotFoundError) throw invalidSession();
      throw error;
    }
  }

  async change(
    sessionId: string | null,
    oldPassword: string,
    newPassword: string,
    revokeOtherSessions = false,
  ): Promise<SessionRecord> {
    const session = await this.sessionOf(sessionId);
    const outcome = await this.directory
      .changePassword(session.userId, oldPassword, newPassword)
      .catch((error: unknown) => {
        if (error instanceof DirectoryUnavailableError) throw credentialUnconfirmed();
        throw error;
      });
    if (outcome.kind === 'REFUSED') {
      if (outcome.code === 'E0000014') throw new CredentialUpdateFailedError(outcome.causes);
      const code = (outcome.code in OKTA_ERRORS ? outcome.code : 'E0000014') as OktaErrorCode;
      throw new DomainError(code, OKTA_ERRORS[code].summary, outcome.causes);
    }
    await this.authn.awaitCredentialVersion(session.userId, outcome.credentialVersion);
    if (revokeOtherSessions)
      await endOtherUserSessions(this.pool, session.userId, session.id, this.clock.now(), 'PASSWORD_CHANGED');
    return session;
  }
}
