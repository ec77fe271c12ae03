import { ApiCreatedResponse, ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import {
  Body,
  Controller,
  Get,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { NotFoundError, PG_POOL } from '@lapse/shared';
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
import { ExpirePasswordsRequestDto } from './bulk-expiry.request.dto';
import { BulkExpiryService } from './bulk-expiry.service';
import { loadJob, presentJob } from './bulk-jobs';

/**
 * `POST /api/v1/users/lifecycle/expire_passwords {providers?, dryRun?, reason?}`: a dry run answers how
 * many users it would expire; otherwise the single enforcing fact is appended first and `202` answers the
 * job, whose fan-out runs in the background. `GET /api/v1/jobs/{id}` reads its progress.
 */
@Controller('api/v1')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class BulkExpiryHttpController {
  constructor(
    private readonly bulk: BulkExpiryService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post('users/lifecycle/expire_passwords')
  @ApiCreatedResponse({
    description: 'The bulk expiry job, running.',
    links: { BulkExpiry_job: { operationId: 'BulkExpiry_job', parameters: { id: '$response.body#/id' } } },
  })
  @RequireRole('SUPER_ADMIN')
  async expireAll(
    @Body() body: ExpirePasswordsRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const providers = this.bulk.providers(body.providers);
    if (body.dryRun) {
      const { cutoff, total } = await this.bulk.dryRun(providers);
      response.status(200);
      return { dryRun: true, providers, cutoff, total };
    }
    const job = await this.bulk.start(providers, body.reason ?? null, adminCaller(admin, request));
    response.status(202);
    response.setHeader('Location', `${this.config.base.publicUrl}/api/v1/jobs/${job.id}`);
    return presentJob(job, this.config.base.publicUrl);
  }

  @Get('jobs/:id')
  async job(@Param('id', new ParseUUIDPipe()) id: string) {
    const job = await loadJob(this.pool, id);
    if (!job) throw new NotFoundError('Job');
    return presentJob(job, this.config.base.publicUrl);
  }
}
