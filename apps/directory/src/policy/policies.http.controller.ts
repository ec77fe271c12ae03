import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { PG_POOL, ValidationFailedError } from '@lapse/shared';
import { DEFAULT_PASSWORD_POLICY_ID } from '@lapse/shared/core';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import type { PolicyProvider, PolicyStatus } from './domain/group-password-policy.events';
import type { PasswordPolicy } from './domain/password-policy';
import { type GroupPolicyInput, PasswordPolicies } from './password-policies.service';
import { UpdatePasswordPolicyRequestDto } from './password-policy.request.dto';
import type { PasswordPolicyChange } from './password-policy.store';
import { PasswordPolicyStore } from './password-policy.store';
import { PasswordPolicyService } from './password-policy.service';
import { presentDefaultPolicy, presentGroupPolicy } from './policy.presenter';
import { requireUser } from '../user/user-lookup';

export { DEFAULT_PASSWORD_POLICY_ID };

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

class PolicyGroupsConditionDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  include: string[];
  /** Okta's `exclude`: Lapse matches by `include` only, so it must be empty when sent. */
  @IsOptional() @IsArray() @ArrayMaxSize(0) exclude?: string[];
}

class PolicyPeopleConditionDto {
  @IsObject() @ValidateNested() @Type(() => PolicyGroupsConditionDto) groups: PolicyGroupsConditionDto;
  /** Okta's user condition; read back as sent by SDKs, not applied. */
  @Allow() users?: unknown;
}

class PolicyAuthProviderConditionDto {
  @IsIn(['OKTA', 'ACTIVE_DIRECTORY']) provider: PolicyProvider;
  @Allow() include?: unknown;
}

class PolicyConditionsDto {
  @IsObject() @ValidateNested() @Type(() => PolicyPeopleConditionDto) people: PolicyPeopleConditionDto;
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PolicyAuthProviderConditionDto)
  authProvider?: PolicyAuthProviderConditionDto;
}

/** Okta's `POST /api/v1/policies` body for a PASSWORD policy scoped to groups. */
export class CreatePolicyRequestDto {
  @IsIn(['PASSWORD']) type: string;
  @IsString() @MinLength(1) @MaxLength(255) name: string;
  @IsOptional() @IsString() @MaxLength(1024) description?: string;
  @IsOptional() @IsIn(['ACTIVE', 'INACTIVE']) status?: PolicyStatus;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) priority?: number;
  @IsObject() @ValidateNested() @Type(() => PolicyConditionsDto) conditions: PolicyConditionsDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PolicySettingsDto) settings?: PolicySettingsDto;
  @Allow() system?: unknown;
  @Allow() _links?: unknown;
}

/**
 * Okta's `PUT /api/v1/policies/{id}` body: the policy as `GET` answered it. For the default policy only
 * `settings.password` applies (its other fields are fixed: accepted, not applied); for a group policy its
 * name, description, status, priority, conditions and settings (fields left out keep their value).
 */
export class ReplacePolicyRequestDto {
  @IsOptional() @IsIn(['PASSWORD']) type?: string;
  @Allow() id?: unknown;
  @IsOptional() @IsString() @MinLength(1) @MaxLength(255) name?: string;
  @IsOptional() @IsString() @MaxLength(1024) description?: string;
  @IsOptional() @IsIn(['ACTIVE', 'INACTIVE']) status?: PolicyStatus;
  @Allow() system?: unknown;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) priority?: number;
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PolicyConditionsDto)
  conditions?: PolicyConditionsDto;
  @Allow() created?: unknown;
  @Allow() lastUpdated?: unknown;
  @Allow() _links?: unknown;
  @IsObject() @ValidateNested() @Type(() => PolicySettingsDto) settings: PolicySettingsDto;
}

/** Okta's answer to deleting or deactivating the default policy (Lapse's wording; see docs/directory.md). */
const DEFAULT_IS_FIXED = (what: string) =>
  new ValidationFailedError([`policy: The default policy cannot be ${what}.`]);

/**
 * Okta's Policy API for passwords: the org's default policy (every group, every provider, lowest priority)
 * and the policies scoped to groups before it, in priority order. `GET /api/v1/policies/password` stays as
 * the default's Lapse alias (`settings.password` alone).
 */
@Controller('api/v1/policies')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class PoliciesHttpController {
  constructor(
    private readonly policies: PasswordPolicyStore,
    private readonly changes: PasswordPolicyService,
    private readonly groupPolicies: PasswordPolicies,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
  ) {}

  @Get()
  async list(@Query() query: ListPoliciesQueryDto) {
    if (query.type !== 'PASSWORD') return [];
    const rows = await this.groupPolicies.list();
    const all = [
      ...rows.map((row) => presentGroupPolicy(this.config.base.publicUrl, row)),
      presentDefaultPolicy(this.config.base.publicUrl, await this.policies.current(), rows.length + 1),
    ];
    return query.status ? all.filter((policy) => policy.status === query.status) : all;
  }

  @Post()
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN')
  async create(
    @Body() body: CreatePolicyRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    const row = await this.groupPolicies.create(inputOf(body, body.conditions), adminCaller(admin, request));
    return presentGroupPolicy(this.config.base.publicUrl, row);
  }

  @Get(':policyId')
  async get(@Param('policyId') policyId: string) {
    if (policyId === DEFAULT_PASSWORD_POLICY_ID)
      return presentDefaultPolicy(this.config.base.publicUrl, ...(await this.defaultWithRank()));
    return presentGroupPolicy(this.config.base.publicUrl, await this.groupPolicies.require(policyId));
  }

  @Put(':policyId')
  @RequireRole('SUPER_ADMIN')
  async replace(
    @Param('policyId') policyId: string,
    @Body() body: ReplacePolicyRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    if (body.id !== undefined && body.id !== policyId)
      throw new ValidationFailedError(['id: must be the id in the path']);
    const caller = adminCaller(admin, request);
    if (policyId === DEFAULT_PASSWORD_POLICY_ID) {
      const policy = await this.changes.update(body.settings.password as PasswordPolicyChange, caller);
      return presentDefaultPolicy(
        this.config.base.publicUrl,
        policy,
        (await this.groupPolicies.list()).length + 1,
      );
    }
    const current = await this.groupPolicies.require(policyId);
    const conditions = body.conditions ?? {
      people: { groups: { include: current.group_ids } },
      authProvider: { provider: current.provider },
    };
    const row = await this.groupPolicies.replace(
      policyId,
      inputOf({ ...body, name: body.name ?? current.name }, conditions),
      caller,
    );
    return presentGroupPolicy(this.config.base.publicUrl, row);
  }

  @Delete(':policyId')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN')
  async delete(
    @Param('policyId') policyId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    if (policyId === DEFAULT_PASSWORD_POLICY_ID) throw DEFAULT_IS_FIXED('deleted');
    await this.groupPolicies.delete(policyId, adminCaller(admin, request));
  }

  @Post(':policyId/lifecycle/activate')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN')
  async activate(
    @Param('policyId') policyId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    if (policyId === DEFAULT_PASSWORD_POLICY_ID) return;
    await this.groupPolicies.setStatus(policyId, 'ACTIVE', adminCaller(admin, request));
  }

  @Post(':policyId/lifecycle/deactivate')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN')
  async deactivate(
    @Param('policyId') policyId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    if (policyId === DEFAULT_PASSWORD_POLICY_ID) throw DEFAULT_IS_FIXED('deactivated');
    await this.groupPolicies.setStatus(policyId, 'INACTIVE', adminCaller(admin, request));
  }

  private async defaultWithRank(): Promise<[PasswordPolicy, number]> {
    const [policy, rows] = await Promise.all([this.policies.current(), this.groupPolicies.list()]);
    return [policy, rows.length + 1];
  }
}

function inputOf(
  body: {
    name: string;
    description?: string;
    status?: PolicyStatus;
    priority?: number;
    settings?: PolicySettingsDto;
  },
  conditions: { people: { groups: { include: string[] } }; authProvider?: { provider: PolicyProvider } },
): GroupPolicyInput {
  return {
    name: body.name,
    description: body.description,
    status: body.status,
    priority: body.priority,
    groupIds: conditions.people.groups.include,
    provider: conditions.authProvider?.provider,
    password: body.settings?.password as PasswordPolicyChange | undefined,
  };
}

/**
 * `GET /api/v1/users/{id}/policies/password`: the password policy that applies to the user, as Okta's Policy
 * object. Not an Okta call (Okta resolves it only inside its own checks); see docs/directory.md, "Policy
 * resolution".
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class UserPasswordPolicyHttpController {
  constructor(
    private readonly groupPolicies: PasswordPolicies,
    private readonly policies: PasswordPolicyStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
  ) {}

  @Get(':userId/policies/password')
  async effective(@Param('userId') userId: string) {
    const { user } = await requireUser(this.pool, userId);
    const effective = await this.groupPolicies.effectiveFor(user.userId);
    const rows = await this.groupPolicies.list();
    const row = rows.find((candidate) => candidate.id === effective.id);
    return row
      ? presentGroupPolicy(this.config.base.publicUrl, row)
      : presentDefaultPolicy(this.config.base.publicUrl, await this.policies.current(), rows.length + 1);
  }
}
