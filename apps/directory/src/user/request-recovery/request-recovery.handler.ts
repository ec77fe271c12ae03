import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  DomainError,
  ID_SOURCE,
  type IdSource,
  LOGGER,
  type Logger,
  PG_POOL,
} from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import { NOTIFIER_SEALER, type NotifierSealer } from '../../credentials/notifier-sealer';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import type { RequestPasswordRecovery } from '../domain/user.commands';
import { userDecider } from '../domain/user.decider';
import { findUser } from '../read-models/directory-users.projection';
import { newResetLink } from '../reset-password/reset-link';
import { UserCommandService } from '../user-commands.service';

/** What became of a request; the caller answers the same whatever it is. */
export type RecoveryRequestOutcome = 'EMAILED' | 'NO_SUCH_USER' | 'NO_EMAIL' | 'NOT_ALLOWED';

/**
 * A user's own forgot-password request (identity's `POST /api/v1/authn/recovery/password`): when the login
 * names a user who may reset their password themselves and has an email address, a one-use reset link is
 * sealed for the notifier and recorded (`RecoveryStarted`, self-service: the status stays), as an admin's
 * `reset_password?sendEmail=true` does; the notifier emails it. Anyone else (unknown login, one-time
 * password mode, locked, suspended, no email, notifier keys unavailable) gets nothing, and the System Log
 * records the refusal for a known user.
 */
@Injectable()
export class RequestRecoveryHandler {
  constructor(
    private readonly users: UserCommandService,
    @Inject(NOTIFIER_SEALER) private readonly sealer: NotifierSealer,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async request(login: string, caller: Caller): Promise<RecoveryRequestOutcome> {
    const row = await findUser(this.pool, login);
    if (!row) return 'NO_SUCH_USER';
    const user = row.state;
    const now = this.clock.now();
    const deliveryId = this.ids.next();
    const link = newResetLink(this.config, now);
    const command: RequestPasswordRecovery = {
      type: 'RequestPasswordRecovery',
      tokenHash: link.tokenHash,
      expiresAt: link.expiresAt,
      email: { deliveryId, sealedLink: 'pending', kid: 'pending' },
      at: now.toISOString(),
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    const userCaller: Caller = {
      ...caller,
      actor: `user:${user.userId}`,
      audit: { id: user.userId, type: 'User', displayName: user.profile.login },
    };
    const audit = {
      eventType: 'user.account.reset_password' as const,
      message: 'Self-service password reset requested',
      debugData: { selfService: true, deliveryId },
    };
    // Refuse early (status, provider, one-time mode) before sealing; the handler decides again.
    try {
      userDecider.decide(command, user);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await this.users.audit(
        user.userId,
        userCaller,
        { ...audit, reason: `${error.code}: ${error.message}` },
        'FAILURE',
      );
      return 'NOT_ALLOWED';
    }
    if (!user.profile.email) {
      await this.users.audit(user.userId, userCaller, { ...audit, reason: 'no email address' }, 'FAILURE');
      return 'NO_EMAIL';
    }
    const sealed = await this.sealer.seal({
      resetPasswordUrl: link.url,
      userId: user.userId,
      deliveryId,
      expiresAt: command.expiresAt,
      selfService: true,
    });
    await this.users.execute(
      user.userId,
      { ...command, email: { deliveryId, sealedLink: sealed.jwe, kid: sealed.kid } },
      userCaller,
      audit,
    );
    this.logger.info({ userId: user.userId, deliveryId }, 'self-service reset link requested');
    return 'EMAILED';
  }
}
