import { ApiOkResponse, ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, HttpCode, Inject, Post, Query, Req, UseGuards } from '@nestjs/common';
import { CLOCK, type Clock, ID_SOURCE, type IdSource, PG_POOL, ValidationFailedError } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../../common/caller';
import { flag } from '../../common/query';
import { PASSWORD_HASHER, type PasswordHasher } from '../../credentials/password-hasher';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { unknownGroupIds } from '../../group/group.presenter';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import type { CreateUser } from '../domain/user.commands';
import type { ExistingUser, UserProfile } from '../domain/user.state';
import { UserCommandService } from '../user-commands.service';
import { presentUser } from '../user.presenter';
import { CreateUserQueryDto, CreateUserRequestDto } from './create-user.request.dto';
import { validatedInstant } from '@lapse/shared/http/iso-instant';

/** What a client can do next with the created user's id (OpenAPI links; Schemathesis follows them). */
const USER_LINKS = Object.fromEntries(
  [
    ['GetUser_get', 'idOrLogin'],
    ['UpdateUser_update', 'idOrLogin'],
    ['UpdateUser_replace', 'idOrLogin'],
    ['ChangePassword_change', 'id'],
    ['PasswordAgeExemption_set', 'id'],
    ['Lifecycle_activate', 'id'],
    ['Lifecycle_deactivate', 'id'],
    ['Lifecycle_suspend', 'id'],
    ['Lifecycle_unsuspend', 'id'],
    ['ExpirePassword_expire', 'id'],
    ['ExpirePasswordWithTempPassword_expire', 'id'],
    ['ResetPassword_reset', 'id'],
    ['Unlock_unlock', 'id'],
    ['AdminRoles_assign', 'id'],
    ['AdminRoles_list', 'id'],
    ['UserSessions_endAll', 'userId'],
  ].map(([operationId, parameter]) => [
    operationId,
    { operationId, parameters: { [parameter]: '$response.body#/id' } },
  ]),
);

/** `POST /api/v1/users`: create with a password, an imported argon2id hash, or none. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class CreateUserHttpController {
  constructor(
    private readonly users: UserCommandService,
    private readonly policies: PasswordPolicyStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post()
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  @ApiOkResponse({ description: "The created user (Okta's User object).", links: USER_LINKS })
  async create(
    @Body() body: CreateUserRequestDto,
    @Query() query: CreateUserQueryDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<Record<string, unknown>> {
    const at = this.clock.now().toISOString();
    const profile: UserProfile = {
      login: body.profile.login,
      email: body.profile.email ?? null,
      firstName: body.profile.firstName ?? null,
      lastName: body.profile.lastName ?? null,
      mobilePhone: body.profile.mobilePhone ?? null,
      ...(body.profile.secondEmail ? { secondEmail: body.profile.secondEmail } : {}),
      ...(body.profile.displayName ? { displayName: body.profile.displayName } : {}),
    };
    const providerType = body.credentials?.provider?.type ?? 'OKTA';
    const command: CreateUser = {
      type: 'CreateUser',
      userId: this.ids.next(),
      profile,
      provider: { type: providerType, name: body.credentials?.provider?.name ?? providerType },
      password: await this.password(body, profile, at),
      activate: flag(query.activate, true),
      expirePassword: query.nextLogin === 'changePassword',
      ...(body.groupIds?.length ? { groupIds: await this.knownGroups(body.groupIds) } : {}),
      at,
    };
    const imported = command.password?.by === 'IMPORT';
    const { state } = await this.users.execute(command.userId, command, adminCaller(admin, request), {
      eventType: 'user.lifecycle.create',
      message: 'Create user',
      debugData: {
        provider: providerType,
        passwordImported: imported,
        nextLoginChangePassword: command.expirePassword,
        groups: command.groupIds?.length ?? 0,
      },
    });
    return presentUser(state as ExistingUser, this.config.base.publicUrl);
  }

  /** Okta's `groupIds`: every one must be a group's (400 E0000001 naming the others, nothing created). */
  private async knownGroups(groupIds: readonly string[]): Promise<string[]> {
    const unknown = await unknownGroupIds(this.pool, groupIds);
    if (unknown.length > 0)
      throw new ValidationFailedError(
        unknown.map((id) => `groupIds: no group has the id ${id.slice(0, 64)}`),
      );
    return [...new Set(groupIds.map((id) => id.toLowerCase()))];
  }

  private async password(
    body: CreateUserRequestDto,
    profile: UserProfile,
    at: string,
  ): Promise<CreateUser['password']> {
    const password = body.credentials?.password;
    if (!password) return null;
    if (password.value !== undefined && password.hash !== undefined) {
      throw new ValidationFailedError(['credentials.password: give either value or hash, not both']);
    }
    if (
      password.lastChanged !== undefined &&
      validatedInstant(password.lastChanged).getTime() > Date.parse(at)
    ) {
      throw new ValidationFailedError(['credentials.password.lastChanged: must not be in the future']);
    }
    if (password.hash) {
      return {
        hash: password.hash.value,
        changedAt: password.lastChanged ? validatedInstant(password.lastChanged).toISOString() : at,
        by: 'IMPORT',
      };
    }
    if (password.value === undefined) return null;
    // The policy of the user to be: the groups and provider the request gives (Okta's resolution).
    const policy = await this.policies.forCandidate(
      { groupIds: body.groupIds ?? [], providerType: body.credentials?.provider?.type ?? 'OKTA' },
      this.pool,
    );
    const violations = this.policies.violations(password.value, policy.settings, profile);
    if (violations.length > 0)
      throw new ValidationFailedError(violations.map((message) => `password: ${message}`));
    return { hash: await this.hasher.hash(password.value), changedAt: at, by: 'ADMIN' };
  }
}
