import { ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import { AdminAuthGuard } from '@lapse/shared/http/admin-auth';
import type { Pool } from 'pg';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { requireUser } from '../user-lookup';
import { presentStoredUser } from '../user.presenter';

/** `GET /api/v1/users/{idOrLogin}`. */
@Controller('api/v1/users')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class GetUserHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
  ) {}

  @Get(':idOrLogin')
  async get(@Param('idOrLogin') idOrLogin: string): Promise<Record<string, unknown>> {
    const { user } = await requireUser(this.pool, idOrLogin);
    return presentStoredUser(this.pool, user, this.config.base.publicUrl);
  }
}
