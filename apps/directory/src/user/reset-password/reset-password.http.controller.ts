import { Controller, Header, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  DomainError,
  ID_SOURCE,
  type IdSource,
  newRecoveryToken,
  PG_POOL,
  recoveryTokenHash,
} from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../../common/caller';
import { BOOLEAN_TEXT, flag } from '../../common/query';
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

export class ResetPasswordQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) sendEmail?: string;
  @IsOptional() @IsIn(BOOLEAN_TEXT) revokeSessions?: string;
}

/**
 * `POST /api/v1/users/{id}/lifecycle/reset_password?sendEmail=false` → `{resetPasswordUrl}` (RECOVERY).
 * With `sendEmail=true` (Okta's default) → `{}`: the link is sealed for the notifier (like a temporary
 * password), which emails it; notifier keys unavailable → 503 E0000050 and nothing changes. Refused with
 * 403 E0000507 while the user is in one-time password mode. Only the token's SHA-256 is kept in clear.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
export class ResetPasswordHttpController {
  constructor(
    private readonly users: UserCommandService,
    @Inject(NOTIFIER_SEALER) private readonly sealer: NotifierSealer,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post(':id/lifecycle/reset_password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async reset(
    @Param('id') id: string,
    @Query() query: ResetPasswordQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<{ resetPasswordUrl?: string }> {
    const { user } = await requireUser(this.pool, id);
    const sendEmail = flag(query.sendEmail, true);
    const revokeSessions = flag(query.revokeSessions, false);
    const token = newRecoveryToken();
    const resetPasswordUrl = `${this.config.base.publicUrl}/reset_password/${token}`;
    const now = this.clock.now();
    const command: ResetPassword = {
      type: 'ResetPassword',
      tokenHash: recoveryTokenHash(token),
      expiresAt: new Date(now.getTime() + this.config.resetLinkLifetimeMinutes * 60_000).toISOString(),
      email: null,
      revokeSessions,
      at: now.toISOString(),
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    const caller = adminCaller(admin, request);
    const audit = {
      eventType: 'user.account.reset_password' as const,
      message: 'Reset password',
      debugData: { sendEmail, sessionsRevoked: revokeSessions },
    };
    if (!sendEmail) {
      await this.users.execute(user.userId, command, caller, audit);
      return { resetPasswordUrl };
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
        resetPasswordUrl,
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
