import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, Get, Param, Put, Query, Req, UseGuards } from '@nestjs/common';
import { NotFoundError, ValidationFailedError } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { Type } from 'class-transformer';
import { Allow, IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import { adminCaller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { Inject } from '@nestjs/common';
import type { PasswordPolicy } from './domain/password-policy';
import { UpdatePasswordPolicyRequestDto } from './password-policy.request.dto';
import type { PasswordPolicyChange } from './password-policy.store';
import { PasswordPolicyStore } from './password-policy.store';
import { PasswordPolicyService } from './password-policy.service';

/** The id of the org's one password policy, Okta's default (`system: true`, lowest priority). */
export const DEFAULT_PASSWORD_POLICY_ID = 'default-password-policy';

export class ListPoliciesQueryDto {
  @IsString() @MaxLength(50) type: string;
  @IsOptional() @IsIn(['ACTIVE', 'INACTIVE']) status?: string;
}

class PolicySettingsDto {
  @IsObject()
  @ValidateNested()
  @Type(() => UpdatePasswordPolicyRequestDto)
  password: UpdatePasswordPolicyRequestDto;
}

/**
 * Okta's `PUT /api/v1/policies/{id}` body: the policy as `GET` answered it. Only `settings.password` can be
 * changed; the default policy's other fields are fixed and read back as they were (accepted, not applied).
 */
export class ReplacePolicyRequestDto {
  @IsOptional() @IsIn(['PASSWORD']) type?: string;
  @Allow() id?: unknown;
  @Allow() name?: unknown;
  @Allow() description?: unknown;
  @Allow() status?: unknown;
  @Allow() system?: unknown;
  @Allow() priority?: unknown;
  @Allow() conditions?: unknown;
  @Allow() created?: unknown;
  @Allow() lastUpdated?: unknown;
  @Allow() _links?: unknown;
  @IsObject() @ValidateNested() @Type(() => PolicySettingsDto) settings: PolicySettingsDto;
}

/**
 * Okta's Policy API for passwords, over the org's one password policy (the default: every group, every
 * provider). `GET /api/v1/policies/password` stays as its Lapse alias (`settings.password` alone).
 */
@Controller('api/v1/policies')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class PoliciesHttpController {
  constructor(
    private readonly policies: PasswordPolicyStore,
    private readonly changes: PasswordPolicyService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
  ) {}

  @Get()
  async list(@Query() query: ListPoliciesQueryDto) {
    if (query.type !== 'PASSWORD' || query.status === 'INACTIVE') return [];
    return [this.present(await this.policies.current())];
  }

  @Get(':policyId')
  async get(@Param('policyId') policyId: string) {
    this.require(policyId);
    return this.present(await this.policies.current());
  }

  @Put(':policyId')
  @RequireRole('SUPER_ADMIN')
  async replace(
    @Param('policyId') policyId: string,
    @Body() body: ReplacePolicyRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    this.require(policyId);
    if (body.id !== undefined && body.id !== policyId)
      throw new ValidationFailedError(['id: must be the id in the path']);
    const policy = await this.changes.update(
      body.settings.password as PasswordPolicyChange,
      adminCaller(admin, request),
    );
    return this.present(policy);
  }

  private require(policyId: string): void {
    if (policyId !== DEFAULT_PASSWORD_POLICY_ID) throw new NotFoundError('Policy');
  }

  private present(password: PasswordPolicy) {
    const self = `${this.config.base.publicUrl}/api/v1/policies/${DEFAULT_PASSWORD_POLICY_ID}`;
    return {
      id: DEFAULT_PASSWORD_POLICY_ID,
      type: 'PASSWORD',
      name: 'Default Policy',
      description: 'The default password policy applies to all users.',
      status: 'ACTIVE',
      system: true,
      priority: 1,
      conditions: {
        people: { groups: { include: ['EVERYONE'] } },
        authProvider: { provider: 'OKTA' },
      },
      settings: { password },
      _links: { self: { href: self, hints: { allow: ['GET', 'PUT'] } } },
    };
  }
}
