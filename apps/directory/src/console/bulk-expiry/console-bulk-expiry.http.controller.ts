import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { DomainError, PG_POOL } from '@lapse/shared';
import type { CredentialProviderType } from '@lapse/shared/contracts/directory.v1';
import { html } from '@lapse/shared/http/page';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { BulkExpiryService } from '../../bulk-expiry/bulk-expiry.service';
import { jobWaves } from '../../bulk-expiry/bulk-job-waves';
import { latestJobIds, loadJob } from '../../bulk-expiry/bulk-jobs';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { isUserId } from '../../user/read-models/directory-users.projection';
import { canManageOrg, ConsoleGate, consoleCaller, formField } from '../console-gate';
import { sendConsolePage, sendSuperAdminOnly, signInAgain } from '../console-response';
import type { ConsoleAdmin } from '../console-session.store';
import { when } from '../console.pages';
import { type ExpiryPlan, confirmExpiryMain, jobMain, jobsMain, PROGRESS_SCRIPT } from './bulk-expiry.pages';

const DELEGATED: readonly CredentialProviderType[] = ['ACTIVE_DIRECTORY', 'LDAP'];

/**
 * People → More Actions → Expire Passwords: a confirmation from a dry run (the API's own), then the job's
 * page, whose progress bar follows the job until it completes. Also the list of jobs.
 */
@Controller('admin')
export class ConsoleBulkExpiryHttpController {
  constructor(
    private readonly gate: ConsoleGate,
    private readonly bulk: BulkExpiryService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Get('people/expire-passwords')
  async confirm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    if (!canManageOrg(admin)) return this.superOnly(response, admin);
    sendConsolePage(response, this.gate, admin, {
      title: 'Expire Passwords',
      section: 'people',
      main: confirmExpiryMain(await this.plan(), this.gate.formToken(admin.sessionId)),
    });
  }

  @Post('people/expire-passwords')
  async start(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    if (!canManageOrg(admin)) return this.superOnly(response, admin);
    const problem = this.gate.formProblem(request, admin.sessionId);
    const refuse = async (errors: string[], status: number) =>
      sendConsolePage(
        response,
        this.gate,
        admin,
        {
          title: 'Expire Passwords',
          section: 'people',
          main: confirmExpiryMain(await this.plan(), this.gate.formToken(admin.sessionId), errors),
        },
        status,
      );
    if (problem) return refuse([problem], 403);
    try {
      const reason = formField(request, 'reason', 500).trim();
      const job = await this.bulk.start(
        this.bulk.providers(undefined),
        reason || null,
        consoleCaller(admin, request),
      );
      response.redirect(303, `/admin/jobs/${job.id}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return refuse([error.message, ...error.causes], 400);
    }
  }

  @Get('jobs')
  async jobs(@Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const ids = await latestJobIds(this.pool, 20);
    const jobs = (await Promise.all(ids.map((id) => loadJob(this.pool, id)))).filter((job) => job !== null);
    sendConsolePage(response, this.gate, admin, {
      title: 'Bulk expiry jobs',
      section: 'jobs',
      main: jobsMain(jobs),
    });
  }

  @Get('jobs/:id')
  async job(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const admin = await this.gate.admin(request);
    if (!admin) return signInAgain(request, response);
    const job = isUserId(id) ? await loadJob(this.pool, id) : null;
    if (!job)
      return sendConsolePage(
        response,
        this.gate,
        admin,
        {
          title: 'Not found',
          section: 'jobs',
          main: html`<h1>Not found</h1><p>There is no such job. <a href="/admin/jobs">Bulk expiry jobs</a></p>`,
        },
        404,
      );
    sendConsolePage(response, this.gate, admin, {
      title: 'Password expiry job',
      section: 'jobs',
      main: jobMain(job, job.wavePlan ? await jobWaves(this.pool, job.id) : []),
      script: PROGRESS_SCRIPT,
    });
  }

  /** The job's progress for the page's progress bar (JSON; the console session is the credential). */
  @Get('jobs/:id/progress')
  async progress(@Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    response.set('cache-control', 'no-store');
    const admin = await this.gate.admin(request);
    if (!admin) {
      response.status(401).json({ status: 'SIGNED_OUT' });
      return;
    }
    const job = isUserId(id) ? await loadJob(this.pool, id) : null;
    if (!job) {
      response.status(404).json({ status: 'NOT_FOUND' });
      return;
    }
    response.json({
      status: job.status,
      total: job.total,
      expired: job.expired,
      skipped: job.skipped,
      completedText: when(job.completedAt, 'Not yet'),
    });
  }

  private async plan(): Promise<ExpiryPlan> {
    const providers = this.bulk.providers(undefined);
    const { perProvider, total } = await this.bulk.dryRun(providers);
    const delegatedIncluded = this.config.orgDelegatedPasswordReset;
    const leftOut = delegatedIncluded ? 0 : (await this.bulk.dryRun(DELEGATED)).total;
    return { perProvider, total, delegatedIncluded, delegatedLeftOut: leftOut };
  }

  private superOnly(response: Response, admin: ConsoleAdmin): void {
    sendSuperAdminOnly(response, this.gate, admin, {
      title: 'Expire Passwords',
      section: 'people',
      action: "expire everyone's password",
      after: html`<p><a href="/admin/people">People</a></p>`,
    });
  }
}
