import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, HttpCode, Inject, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
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
import type { ProfilePatch } from '../domain/user.commands';
import { presentStoredUser } from '../user.presenter';
import { UpdateUserHandler, type UserUpdate } from './update-user.handler';
import {
  ReplaceUserRequestDto,
  UpdateUserQueryDto,
  type UpdateCredentialsDto,
  UpdateUserRequestDto,
} from './update-user.request.dto';

/**
 * Okta's `POST /api/v1/users/{idOrLogin}` (partial update) and `PUT /api/v1/users/{idOrLogin}` (strict:
 * the profile is replaced, properties not sent become null). Either may set the password. Answers the
 * user as `GET` does.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class UpdateUserHttpController {
  constructor(
    private readonly handler: UpdateUserHandler,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post(':idOrLogin')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  update(
    @Param('idOrLogin') idOrLogin: string,
    @Body() body: UpdateUserRequestDto,
    @Query() _query: UpdateUserQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<Record<string, unknown>> {
    return this.apply(idOrLogin, updateOf(body.profile, body.credentials, false), admin, request);
  }

  @Put(':idOrLogin')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  replace(
    @Param('idOrLogin') idOrLogin: string,
    @Body() body: ReplaceUserRequestDto,
    @Query() _query: UpdateUserQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<Record<string, unknown>> {
    return this.apply(idOrLogin, updateOf(body.profile, body.credentials, true), admin, request);
  }

  private async apply(
    idOrLogin: string,
    update: UserUpdate,
    admin: AdminPrincipal,
    request: Request,
  ): Promise<Record<string, unknown>> {
    const user = await this.handler.update(idOrLogin, update, adminCaller(admin, request));
    return presentStoredUser(this.pool, user, this.config.base.publicUrl);
  }
}

function updateOf(
  profile: object | undefined,
  credentials: UpdateCredentialsDto | undefined,
  replace: boolean,
): UserUpdate {
  return {
    profile: profile ? { patch: { ...profile } as ProfilePatch, replace } : null,
    password: credentials?.password?.value ?? null,
  };
}
