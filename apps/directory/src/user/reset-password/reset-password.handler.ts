import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, DomainError, ID_SOURCE, type IdSource, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import {
  NOTIFIER_SEALER,
  NotifierKeyUnavailableError,
  type NotifierSealer,
} from '../../credentials/notifier-sealer';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import type { ResetPassword } from '../domain/user.commands';
import { userDecider } from '../domain/user.decider';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';
import { newResetLink } from './reset-link';

/**
 * Starts a password reset (RECOVERY) with a one-time link: handed back (`sendEmail=false`) or sealed for the
 * notifier, which emails it. The API route and the admin console both call this.
 */
@Injectable()
export class ResetPasswordHandler {
  constructor(
    private readonly users: UserCommandService,
    @Inject(NOTIFIER_SEALER) private readonly sealer: NotifierSealer,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async reset(
    id: string,
    options: { sendEmail: boolean; revokeSessions: boolean },
    caller: Caller,
  ): Promise<{ resetPasswordUrl?: string }> {
    const { user } = await requireUser(this.pool, id);
    const { sendEmail, revokeSessions } = options;
    const now = this.clock.now();
    const link = newResetLink(this.config, now);
    const command: ResetPassword = {
      type: 'ResetPassword',
      tokenHash: link.tokenHash,
      expiresAt: link.expiresAt,
      email: null,
      revokeSessions,
      at: now.toISOString(),
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    const audit = {
      eventType: 'user.account.reset_password' as const,
      message: 'Reset password',
      debugData: { sendEmail, sessionsRevoked: revokeSessions },
    };
    if (!sendEmail) {
      await this.users.execute(user.userId, command, caller, audit);
      return { resetPasswordUrl: link.url };
    }
    // Refuse early (status, provider, one-time mode) before a key fetch; the handler decides again.
    try {
      userDecider.decide(command, user);
    } catch (error) {
      if (error instanceof DomainError)
        await this.users.audit(
          user.userId,
          caller,
          { ...audit, reason: `${error.code}: ${error.message}` },
          'FAILURE',
        );
      throw error;
    }
    const deliveryId = this.ids.next();
    let sealed: { jwe: string; kid: string };
    try {
      sealed = await this.sealer.seal({
        resetPasswordUrl: link.url,
        userId: user.userId,
        deliveryId,
        expiresAt: command.expiresAt,
      });
    } catch (error) {
      if (error instanceof NotifierKeyUnavailableError) {
        throw new DomainError('E0000050', 'Service unavailable', [
          'The notifier key is unavailable; retry, or use sendEmail=false',
        ]);
      }
      throw error;
    }
    await this.users.execute(
      user.userId,
      { ...command, email: { deliveryId, sealedLink: sealed.jwe, kid: sealed.kid } },
      caller,
      { ...audit, debugData: { ...audit.debugData, deliveryId } },
    );
    return {};
  }
}
