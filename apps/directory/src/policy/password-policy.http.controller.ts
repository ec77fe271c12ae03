import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, Get, Put, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Request } from 'express';
import { adminCaller } from '../common/caller';
import type { PasswordPolicy } from './domain/password-policy';
import type { PasswordPolicyChange } from './password-policy.store';
import { PasswordPolicyStore } from './password-policy.store';
import { UpdatePasswordPolicyRequestDto } from './password-policy.request.dto';
import { PasswordPolicyService } from './password-policy.service';
import { PasswordPolicies } from './password-policies.service';
import type { PasswordPolicySetV1 } from '@lapse/shared/core';

/** Lapse's own admin endpoint for the org password policy (Okta's `settings.password` shape). */
@Controller('api/v1/policies/password')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class PasswordPolicyHttpController {
  constructor(
    private readonly policies: PasswordPolicyStore,
    private readonly changes: PasswordPolicyService,
  ) {}

  @Get()
  read(): Promise<PasswordPolicy> {
    return this.policies.current();
  }

  @Put()
  @RequireRole('SUPER_ADMIN')
  update(
    @Body() body: UpdatePasswordPolicyRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<PasswordPolicy> {
    return this.changes.update(body as PasswordPolicyChange, adminCaller(admin, request));
  }
}

/** `GET /internal/v1/policies/password` for identity (complexity for the change-password step, lockout). */
@Controller('internal/v1/policies/password')
@UseGuards(ServiceAuthGuard)
export class PasswordPolicyInternalHttpController {
  constructor(private readonly policies: PasswordPolicyStore) {}

  @Get()
  read(): Promise<PasswordPolicy> {
    return this.policies.current();
  }
}

/**
 * `GET /internal/v1/policies` for identity: every policy that can apply (active group policies in priority
 * order, then the default), so identity resolves a user's policy from the memberships it keeps.
 */
@Controller('internal/v1/policies')
@UseGuards(ServiceAuthGuard)
export class PasswordPolicySetInternalHttpController {
  constructor(private readonly policies: PasswordPolicies) {}

  @Get()
  read(): Promise<PasswordPolicySetV1> {
    return this.policies.set();
  }
}
