import { Controller, Header, HttpCode, Inject, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock, newRecoveryToken, PG_POOL, recoveryTokenHash } from '@lapse/shared';
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
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export class ResetPasswordQueryDto {
  @IsOptional() @IsIn(BOOLEAN_TEXT) sendEmail?: string;
  @IsOptional() @IsIn(BOOLEAN_TEXT) revokeSessions?: string;
}

/**
 * `POST /api/v1/users/{id}/lifecycle/reset_password?sendEmail=false` → `{resetPasswordUrl}` (RECOVERY).
 * Refused with 403 E0000507 while the user is in one-time password mode. Only the token's SHA-256 is kept.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
export class ResetPasswordHttpController {
  constructor(
    private readonly users: UserCommandService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
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
    const now = this.clock.now();
    await this.users.execute(
      user.userId,
      {
        type: 'ResetPassword',
        tokenHash: recoveryTokenHash(token),
        expiresAt: new Date(now.getTime() + this.config.resetLinkLifetimeMinutes * 60_000).toISOString(),
        revokeSessions,
        at: now.toISOString(),
        delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
      },
      adminCaller(admin, request),
      {
        eventType: 'user.account.reset_password',
        message: 'Reset password',
        debugData: { sendEmail, sessionsRevoked: revokeSessions },
      },
    );
    return sendEmail ? {} : { resetPasswordUrl: `${this.config.base.publicUrl}/reset_password/${token}` };
  }
}
