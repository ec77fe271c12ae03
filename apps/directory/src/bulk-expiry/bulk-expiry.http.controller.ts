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
import { CommandBus } from '@nestjs/cqrs';
import {
  CLOCK,
  type Clock,
  Decide,
  EventStoreProvider,
  ID_SOURCE,
  type IdSource,
  NotFoundError,
  PG_POOL,
  ValidationFailedError,
} from '@lapse/shared';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';
import {
  AdminAuthGuard,
  type AdminPrincipal,
  CurrentAdmin,
  RequireRole,
} from '@lapse/shared/http/admin-auth';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { writeAudit } from '../audit/audit-log';
import { adminCaller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { isDelegated } from '../user/domain/user.decider';
import { bulkJobDecider, bulkJobStreamId } from './domain/bulk-job.decider';
import { type BulkJob, countTargets, insertJob, insertSlices, loadJob, presentJob } from './bulk-jobs';
import { BulkExpiryWorker } from './bulk-expiry.worker';
import { ExpirePasswordsRequestDto } from './bulk-expiry.request.dto';

/**
 * `POST /api/v1/users/lifecycle/expire_passwords {providers?, dryRun?, reason?}`: a dry run answers how
 * many users it would expire; otherwise the single enforcing fact is appended first and `202` answers the
 * job, whose fan-out runs in the background. `GET /api/v1/jobs/{id}` reads its progress.
 */
@Controller('api/v1')
@UseGuards(AdminAuthGuard)
export class BulkExpiryHttpController {
  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    private readonly worker: BulkExpiryWorker,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Post('users/lifecycle/expire_passwords')
  @RequireRole('SUPER_ADMIN')
  async expireAll(
    @Body() body: ExpirePasswordsRequestDto,
    @CurrentAdmin() admin: AdminPrincipal,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const providers = this.providers(body.providers);
    const cutoff = this.clock.now().toISOString();
    if (body.dryRun) {
      response.status(200);
      return { dryRun: true, providers, cutoff, total: await countTargets(this.pool, providers, cutoff) };
    }
    const caller = adminCaller(admin, request);
    const id = this.ids.next();
    const { created: job, fact } = await this.eventStore.transaction(async (tx) => {
      const total = await countTargets(tx, providers, cutoff);
      const {
        events: [fact],
      } = await this.commandBus.execute(
        new Decide(
          bulkJobDecider,
          bulkJobStreamId(id),
          {
            type: 'StartBulkPasswordExpiry',
            jobId: id,
            cutoff,
            providers,
            total,
            reason: body.reason ?? null,
            at: cutoff,
          },
          { actor: caller.actor, correlationId: caller.correlationId, occurredAt: cutoff },
          { tx, newStream: true },
        ),
      );
      const created: BulkJob = {
        id,
        status: 'RUNNING',
        cutoff,
        providers,
        reason: body.reason ?? null,
        total,
        expired: 0,
        skipped: 0,
        checkpoint: null,
        actor: caller.actor,
        correlationId: caller.correlationId,
        createdAt: cutoff,
        completedAt: null,
      };
      await insertJob(tx, created);
      await insertSlices(tx, id, this.config.bulkExpiryConcurrency);
      await writeAudit(tx, [
        {
          eventType: 'user.lifecycle.password_mass_expiry',
          actor: caller.audit,
          target: { id, type: 'Job', alternateId: null },
          outcome: 'SUCCESS',
          reason: body.reason ?? null,
          correlationId: caller.correlationId,
          displayMessage: `Expire passwords of ${total} users (${providers.join(', ')})`,
          debugData: { total, providers: providers.join(','), cutoff },
          published: cutoff,
        },
      ]);
      return { created, fact };
    });
    this.worker.start(id, fact);
    response.status(202);
    response.setHeader('Location', `${this.config.base.publicUrl}/api/v1/jobs/${id}`);
    return presentJob(job, this.config.base.publicUrl);
  }

  @Get('jobs/:id')
  async job(@Param('id', new ParseUUIDPipe()) id: string) {
    const job = await loadJob(this.pool, id);
    if (!job) throw new NotFoundError('Job');
    return presentJob(job, this.config.base.publicUrl);
  }

  private providers(requested: CredentialProviderType[] | undefined): CredentialProviderType[] {
    const delegated = this.config.orgDelegatedPasswordReset;
    if (!requested) return delegated ? ['OKTA', 'IMPORT', 'ACTIVE_DIRECTORY', 'LDAP'] : ['OKTA', 'IMPORT'];
    const causes: string[] = [];
    for (const type of new Set(requested)) {
      if (type === 'FEDERATION' || type === 'SOCIAL')
        causes.push(`providers: ${type} users have no password to expire`);
      if (isDelegated(type) && !delegated) {
        causes.push(
          `providers: ${type} needs the org setting for delegated password reset (ORG_DELEGATED_PASSWORD_RESET)`,
        );
      }
    }
    if (causes.length > 0) throw new ValidationFailedError(causes);
    return [...new Set(requested)];
  }
}
