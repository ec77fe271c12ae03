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
  Res,
  UseGuards,
} from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { adminCaller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import type { ExistingUser } from '../user/domain/user.state';
import { firstUsersByIdSql } from '../user/read-models/directory-users.projection';
import { lastLoginsOf, presentUser } from '../user/user.presenter';
import { GroupsService } from './groups.service';
import {
  GroupRequestDto,
  groupProfileOf,
  ListGroupsQueryDto,
  ListMembersQueryDto,
} from './groups.request.dto';

const DEFAULT_GROUPS_LIMIT = 10000;
const DEFAULT_MEMBERS_LIMIT = 1000;

/** Okta's `Link` header: `self`, and `next` when there is more (cursor: the last id of the page). */
function setLinks(
  response: Response,
  base: string,
  keep: URLSearchParams,
  after: string | undefined,
  next: string | null,
) {
  const self = new URLSearchParams(keep);
  if (after) self.set('after', after);
  const links = [`<${base}?${self}>; rel="self"`];
  if (next) {
    const following = new URLSearchParams(keep);
    following.set('after', next);
    links.push(`<${base}?${following}>; rel="next"`);
  }
  response.setHeader('Link', links);
}

/**
 * Okta's Groups API (the subset an administrator uses): groups and their members. Reading is open to every
 * admin; writing to SUPER_ADMIN and USER_ADMIN, as for users.
 */
@Controller('api/v1/groups')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class GroupsHttpController {
  constructor(
    private readonly groups: GroupsService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post()
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  create(@Body() body: GroupRequestDto, @CurrentAdmin() admin: AdminPrincipal, @Req() request: Request) {
    return this.groups.create(groupProfileOf(body), adminCaller(admin, request));
  }

  @Get()
  async list(@Query() query: ListGroupsQueryDto, @Res({ passthrough: true }) response: Response) {
    const limit = query.limit ?? DEFAULT_GROUPS_LIMIT;
    const { groups, more } = await this.groups.list(query.q, limit, query.after);
    const keep = new URLSearchParams();
    if (query.q) keep.set('q', query.q);
    keep.set('limit', String(limit));
    const last = groups[groups.length - 1]?.id ?? null;
    setLinks(response, `${this.config.base.publicUrl}/api/v1/groups`, keep, query.after, more ? last : null);
    return groups;
  }

  @Get(':groupId')
  get(@Param('groupId') groupId: string) {
    return this.groups.get(groupId);
  }

  @Put(':groupId')
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  update(
    @Param('groupId') groupId: string,
    @Body() body: GroupRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    return this.groups.update(groupId, groupProfileOf(body), adminCaller(admin, request));
  }

  @Delete(':groupId')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async delete(
    @Param('groupId') groupId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.groups.delete(groupId, adminCaller(admin, request));
  }

  @Get(':groupId/users')
  async members(
    @Param('groupId') groupId: string,
    @Query() query: ListMembersQueryDto,
    @Res({ passthrough: true }) response: Response,
  ) {
    const group = await this.groups.require(groupId);
    const limit = query.limit ?? DEFAULT_MEMBERS_LIMIT;
    const params: unknown[] = [group.id];
    const where = ['id IN (SELECT user_id FROM directory_group_members WHERE group_id = $1)'];
    if (query.after) {
      params.push(query.after);
      where.push(`id > $${params.length}`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<{ id: string; state: ExistingUser }>(
      firstUsersByIdSql('id, state', where.join(' AND '), `$${params.length}`),
      params,
    );
    const page = rows.slice(0, limit);
    const keep = new URLSearchParams({ limit: String(limit) });
    const base = `${this.config.base.publicUrl}/api/v1/groups/${group.id}/users`;
    setLinks(response, base, keep, query.after, rows.length > limit ? page[page.length - 1].id : null);
    const lastLogins = await lastLoginsOf(
      this.pool,
      page.map((row) => row.id),
    );
    return page.map((row) =>
      presentUser(row.state, this.config.base.publicUrl, null, lastLogins.get(row.id) ?? null),
    );
  }

  @Put(':groupId/users/:userId')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async addMember(
    @Param('groupId') groupId: string,
    @Param('userId') userId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.groups.addMember(groupId, userId, adminCaller(admin, request));
  }

  @Delete(':groupId/users/:userId')
  @HttpCode(204)
  @RequireRole('SUPER_ADMIN', 'USER_ADMIN')
  async removeMember(
    @Param('groupId') groupId: string,
    @Param('userId') userId: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ): Promise<void> {
    await this.groups.removeMember(groupId, userId, adminCaller(admin, request));
  }
}

/** Okta's `GET /api/v1/users/{id}/groups`. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class UserGroupsHttpController {
  constructor(private readonly groups: GroupsService) {}

  @Get(':id/groups')
  groupsOf(@Param('id') id: string) {
    return this.groups.groupsOf(id);
  }
}
