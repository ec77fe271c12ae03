import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, Get, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import { normalizeLogin } from '@lapse/shared/identity/login';
import { AdminAuthGuard } from '@lapse/shared/http/admin-auth';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { compileFilter, type FilterField } from '../../common/filter-expression';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import type { ExistingUser } from '../domain/user.state';
import { firstUsersByIdSql } from '../read-models/directory-users.projection';
import { lastLoginsOf, presentUser } from '../user.presenter';
import { ListUsersQueryDto } from './list-users.request.dto';

export const USER_FIELDS: Record<string, FilterField> = {
  id: { column: 'id::text', kind: 'text' },
  status: { column: 'status', kind: 'text' },
  'profile.login': { column: 'login_normalized', kind: 'login' },
  'profile.email': { column: 'email', kind: 'ci-text' },
  'profile.firstName': { column: 'first_name', kind: 'ci-text' },
  'profile.lastName': { column: 'last_name', kind: 'ci-text' },
  'credentials.provider.type': { column: 'provider_type', kind: 'text' },
  created: { column: 'created_at', kind: 'timestamp' },
  lastUpdated: { column: 'last_updated', kind: 'timestamp' },
  passwordChanged: { column: 'password_changed_at', kind: 'timestamp' },
};

const DEFAULT_LIMIT = 200;

/**
 * `GET /api/v1/users` with `q`, `filter`, `search`, `limit` and `after`; ordered by id, with Okta's
 * `Link: <…>; rel="self"` and `rel="next"` (cursor = last id of the page).
 */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class ListUsersHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
  ) {}

  @Get()
  async list(
    @Query() query: ListUsersQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown[]> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.q) {
      const prefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      params.push(prefix(normalizeLogin(query.q)), prefix(query.q.toLowerCase()));
      const [login, p] = [`$${params.length - 1}`, `$${params.length}`];
      where.push(
        `(login_normalized LIKE ${login} OR lower(email) LIKE ${p} OR lower(first_name) LIKE ${p} OR lower(last_name) LIKE ${p})`,
      );
    }
    for (const [name, source] of [
      ['filter', query.filter],
      ['search', query.search],
    ] as const) {
      if (!source) continue;
      const compiled = compileFilter(source, USER_FIELDS, params.length + 1, name);
      params.push(...compiled.params);
      where.push(compiled.sql);
    }
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
    const base = `${this.config.base.publicUrl}/api/v1/users`;
    const keep = new URLSearchParams();
    for (const key of ['q', 'filter', 'search'] as const) if (query[key]) keep.set(key, query[key] as string);
    keep.set('limit', String(limit));
    const self = new URLSearchParams(keep);
    if (query.after) self.set('after', query.after);
    const links = [`<${base}?${self}>; rel="self"`];
    if (rows.length > limit) {
      const next = new URLSearchParams(keep);
      next.set('after', page[page.length - 1].id);
      links.push(`<${base}?${next}>; rel="next"`);
    }
    response.setHeader('Link', links);
    const lastLogins = await lastLoginsOf(
      this.pool,
      page.map((row) => row.id),
    );
    return page.map((row) =>
      presentUser(row.state, this.config.base.publicUrl, null, lastLogins.get(row.id) ?? null),
    );
  }
}
