import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import { IsIn } from 'class-validator';
import type { Request } from 'express';
import { adminCaller } from '../common/caller';
import type { AdminRoleType } from '../user/domain/user.state';
import { ROLE_STRENGTH } from './admin-roles.projection';
import { AdminRolesService } from './admin-roles.service';

export class AssignRoleRequestDto {
  @IsIn(ROLE_STRENGTH) type: AdminRoleType;
}

/**
 * Okta's role assignments on users: `POST /api/v1/users/{id}/roles {type}` → 201 role, `GET` the list,
 * `DELETE …/roles/{roleId}` → 204. Listing is open to every admin; assigning and removing to SUPER_ADMIN.
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class AdminRolesHttpController {
  constructor(private readonly roles: AdminRolesService) {}

  @Post(':id/roles')
  @HttpCode(201)
  @RequireRole('SUPER_ADMIN')
  assign(
    @Param('id') id: string,
    @Body() body: AssignRoleRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    return this.roles.assign(id, body.type, adminCaller(admin, request));
  }

  @Get(':id/roles')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN', 'READ_ONLY_ADMIN')
  list(@Param('id') id: string) {
    return this.roles.list(id);
  }

  @Delete(':id/roles/:roleId')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN')
  async remove(
    @Param('id') id: string,
    @Param('roleId') roleId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.roles.remove(id, roleId, adminCaller(admin, request));
  }
}
