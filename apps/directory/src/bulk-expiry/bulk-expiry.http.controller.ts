import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiSecurity } from '@nestjs/swagger';
import { ADMIN_API_SECURITY } from '@lapse/shared/http/openapi';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { NotFoundError, PG_POOL, ValidationFailedError } from '@lapse/shared';
import { OktaHttpError } from '@lapse/shared/http/okta-exception.filter';
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
import { type BulkExpiryUpload, BulkExpiryUploads } from './bulk-expiry-uploads';
import { ExpirePasswordsRequestDto, ListJobsQueryDto } from './bulk-expiry.request.dto';
import { BulkExpiryService } from './bulk-expiry.service';
import { jobWaves, planWaves } from './bulk-job-waves';
import { type BulkJob, jobIdsNewestFirst, loadJob, presentJob } from './bulk-jobs';

const DEFAULT_JOBS_LIMIT = 20;

/**
 * `POST /api/v1/users/lifecycle/expire_passwords {providers?, groupIds?, userIds?, filter?, search?, dryRun?,
 * reason?}` (every scope given applies: their intersection): a dry run answers how many users it would expire
 * (per provider, and per group when scoped to groups); otherwise the single enforcing fact (with the user set's
 * chunks when scoped to one) is appended first and `202` answers the
 * job, whose fan-out runs in the background. `GET /api/v1/jobs/{id}` reads its progress; `GET /api/v1/jobs`
 * lists jobs newest first, paged like Okta's lists (`limit`, `after`, `Link: <…>; rel="self"`, `rel="next"`).
 */
@Controller('api/v1')
@UseGuards(AdminAuthGuard)
@ApiSecurity(ADMIN_API_SECURITY)
export class BulkExpiryHttpController {
  constructor(
    private readonly bulk: BulkExpiryService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly uploads: BulkExpiryUploads,
  ) {}

  /**
   * A list of user ids too large for `userIds`, streamed (never held whole): `Content-Type: text/plain`, one id
   * a line, blank lines ignored, or `text/csv` with a header naming an `id` column (an export's other columns
   * are ignored). `201` answers the upload (its users, unknown ids, duplicates, expiry), which
   * `expire_passwords {uploadId}` then scopes a dry run or a job to. A line that is not an id fails the whole
   * upload (400 E0000001 naming the line), as do more ids than BULK_EXPIRY_UPLOAD_MAX_IDS; nothing is kept.
   */
  @Post('users/lifecycle/expire_passwords/uploads')
  @HttpCode(201)
  @ApiConsumes('text/plain', 'text/csv')
  @ApiBody({
    description:
      'text/plain: one user id a line (blank lines ignored). text/csv: a header line naming an `id` column, then one record a line.',
    schema: { type: 'string', example: '00000000-0000-4000-8000-000000000001\n' },
  })
  @ApiCreatedResponse({
    description: 'The upload, staged until it expires; `expire_passwords {uploadId}` names it.',
    schema: {
      type: 'object',
      required: ['id', 'count', 'unknown', 'duplicates', 'expiresAt'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        count: {
          type: 'integer',
          description: 'Distinct ids of users: the set a bulk expiry naming it targets.',
        },
        unknown: {
          type: 'object',
          required: ['total', 'first'],
          properties: {
            total: { type: 'integer', description: 'Distinct ids no user had.' },
            first: {
              type: 'array',
              items: { type: 'string' },
              description: 'The first ten, in upload order.',
            },
          },
        },
        duplicates: { type: 'integer', description: 'Lines repeating an id an earlier line gave.' },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
  })
  @RequireRole('SUPER_ADMIN')
  async upload(@CurrentAdmin() admin: AdminPrincipal, @Req() request: Request): Promise<BulkExpiryUpload> {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'text/plain' && type !== 'text/csv') {
      request.resume();
      throw new OktaHttpError('E0000021', [
        'Content-Type: text/plain (one user id a line) or text/csv (with an id column) is expected',
      ]);
    }
    return this.uploads.create(request, adminCaller(admin, request), type === 'text/csv');
  }

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
    const groupIds = await this.bulk.groups(body.groupIds);
    const { userIds, unknownUserIds } = await this.bulk.userScope(body, body.dryRun === true);
    if (body.dryRun) {
      const { cutoff, total, perProvider, perGroup } = await this.bulk.dryRun(providers, groupIds, userIds);
      response.status(200);
      return {
        dryRun: true,
        providers,
        ...(groupIds ? { groupIds } : {}),
        ...(body.uploadId ? { uploadId: body.uploadId } : {}),
        ...(userIds ? { scopedUsers: userIds.length } : {}),
        ...(body.filter ? { filter: body.filter } : {}),
        ...(body.search ? { search: body.search } : {}),
        ...(unknownUserIds ? { unknownUserIds } : {}),
        cutoff,
        total,
        perProvider,
        ...(perGroup ? { perGroup } : {}),
        ...(body.waves
          ? {
              waves: planWaves(total, body.waves, cutoff, this.config.bulkExpiryWaveMinuteMs).map((wave) => ({
                number: wave.wave,
                size: wave.size,
                startsAt: wave.startsAt,
              })),
            }
          : {}),
      };
    }
    const job = await this.bulk.start(
      providers,
      body.reason ?? null,
      adminCaller(admin, request),
      groupIds,
      { userIds, filter: body.filter, search: body.search },
      body.waves ? { size: body.waves.size, intervalMinutes: body.waves.intervalMinutes } : null,
    );
    response.status(202);
    response.setHeader('Location', `${this.config.base.publicUrl}/api/v1/jobs/${job.id}`);
    return this.present(job);
  }

  /**
   * Cancels a staged job's waves that have not started; what was expired stays expired. A job that has
   * completed, or has no wave left to start, is 403 E0000038.
   */
  @Post('jobs/:id/lifecycle/cancel')
  @HttpCode(200)
  @RequireRole('SUPER_ADMIN')
  async cancel(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
  ) {
    return this.present(await this.bulk.cancel(id, adminCaller(admin, request)));
  }

  /** The job as the API shows it, with its waves when staged. */
  private async present(job: BulkJob) {
    const waves = job.wavePlan ? await jobWaves(this.pool, job.id) : [];
    return presentJob(job, this.config.base.publicUrl, waves);
  }

  @Get('jobs')
  async jobs(@Query() query: ListJobsQueryDto, @Res({ passthrough: true }) response: Response) {
    const limit = query.limit ?? DEFAULT_JOBS_LIMIT;
    const ids = await jobIdsNewestFirst(this.pool, limit + 1, query.after ?? null);
    if (ids === null) throw new ValidationFailedError(['after: no job has this id']);
    const page = ids.slice(0, limit);
    const jobs = (await Promise.all(page.map((id) => loadJob(this.pool, id)))).filter(
      (job): job is BulkJob => job !== null,
    );
    const base = `${this.config.base.publicUrl}/api/v1/jobs`;
    const self = new URLSearchParams({ limit: String(limit) });
    if (query.after) self.set('after', query.after);
    const links = [`<${base}?${self}>; rel="self"`];
    if (ids.length > limit) {
      const next = new URLSearchParams({ limit: String(limit), after: page[page.length - 1] });
      links.push(`<${base}?${next}>; rel="next"`);
    }
    response.setHeader('Link', links);
    return Promise.all(jobs.map((job) => this.present(job)));
  }

  @Get('jobs/:id')
  async job(@Param('id', new ParseUUIDPipe()) id: string) {
    const job = await loadJob(this.pool, id);
    if (!job) throw new NotFoundError('Job');
    return this.present(job);
  }
}
