import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, Header, HttpCode, Inject, Param, Put, Req, UseGuards } from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { presentStoredUser } from '../user.presenter';
import { PasswordAgeExemptionHandler } from './password-age-exemption.handler';
import { PasswordAgeExemptionRequestDto } from './password-age-exemption.request.dto';

/**
 * `PUT /api/v1/users/{id}/credentials/password_expiry_exemption` `{exempt, reason?}` → the User (Lapse
 * extension; Okta exempts through policy rules). An admin flag on the credential, not a profile attribute:
 * a profile is data about the person that apps and imports write, while the exemption weakens the password
 * policy, so only a super admin sets it and every change is an event and a System Log record
 * (`user.account.update_password_expiry_exemption`). While set, the age-expiry sweep, the reminders and
 * identity's age check at sign-in leave the user alone; an admin's expiry still applies.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class PasswordAgeExemptionHttpController {
  constructor(
    private readonly exemptions: PasswordAgeExemptionHandler,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Put(':id/credentials/password_expiry_exemption')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @RequireRole('SUPER_ADMIN')
  async set(
    @Param('id') id: string,
    @Body() body: PasswordAgeExemptionRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<Record<string, unknown>> {
    const user = await this.exemptions.set(id, body.exempt, body.reason ?? null, adminCaller(admin, request));
    return presentStoredUser(this.pool, user, this.config.base.publicUrl);
  }
}
