import { Inject, Injectable } from '@nestjs/common';
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
import type { Pool } from 'pg';
import { writeAudit } from '../audit/audit-log';
import type { Caller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { unknownGroupIds } from '../group/group.presenter';
import { isDelegated } from '../user/domain/user.decider';
import { BulkExpiryUploads } from './bulk-expiry-uploads';
import { BulkExpiryWorker } from './bulk-expiry.worker';
import { compileFilter } from '../common/filter-expression';
import { USER_FIELDS } from '../user/list-users/list-users.http.controller';
import { firstUsersByIdSql, USERS_VIEW } from '../user/read-models/directory-users.projection';
import { MAX_SCOPED_USERS } from './bulk-expiry.request.dto';
import { insertWaves, planWaves, startWave } from './bulk-job-waves';
import {
  type BulkJob,
  countTargets,
  insertJob,
  insertJobUsers,
  insertSlices,
  loadJob,
  targetIds,
} from './bulk-jobs';
import type { BulkPasswordExpiryWavesCancelled } from './domain/bulk-job.events';
import { bulkJobDecider, bulkJobStreamId, type WavePlan } from './domain/bulk-job.decider';

/** How many unknown ids an answer names (it always says how many there are). */
const UNKNOWN_IDS_SHOWN = 10;

export interface UserScopeRequest {
  readonly userIds?: readonly string[];
  readonly uploadId?: string;
  readonly filter?: string;
  readonly search?: string;
}

export interface UserScope {
  /** The explicit set (the intersection of what was asked); null: the request asks for none. */
  readonly userIds: string[] | null;
  /** Asked-for ids no user has: how many, and the first few (a dry run only; a real run fails on them). */
  readonly unknownUserIds: { readonly total: number; readonly first: string[] } | null;
}

/**
 * Expire all: the dry run (how many users, per provider) and the start of a job — its single enforcing fact
 * appended first, the fan-out in the background. The API route and the admin console both call this.
 */
@Injectable()
export class BulkExpiryService {
  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    private readonly worker: BulkExpiryWorker,
    private readonly uploads: BulkExpiryUploads,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /**
   * The users a bulk expiry would expire now, per provider (in the order of `providers`) and, when scoped to
   * groups, per group (a user in two groups counts in both; `total` counts them once).
   */
  async dryRun(
    providers: readonly CredentialProviderType[],
    groupIds: readonly string[] | null = null,
    userIds: readonly string[] | null = null,
  ) {
    const cutoff = this.clock.now().toISOString();
    const counts = await Promise.all(
      providers.map((provider) => countTargets(this.pool, [provider], cutoff, groupIds, userIds)),
    );
    const perProvider = providers.map((provider, index) => ({ provider, total: counts[index] }));
    if (!groupIds) return { cutoff, perProvider, total: counts.reduce((sum, count) => sum + count, 0) };
    const perGroup = await Promise.all(
      groupIds.map(async (groupId) => ({
        groupId,
        total: await countTargets(this.pool, providers, cutoff, [groupId], userIds),
      })),
    );
    return {
      cutoff,
      perProvider,
      perGroup,
      total: await countTargets(this.pool, providers, cutoff, groupIds, userIds),
    };
  }

  /**
   * The explicit user set a request asks for: its `userIds` (each must be a user's), intersected with the
   * users its `filter` and `search` match now (a snapshot, at most MAX_SCOPED_USERS each), or the users of its
   * upload (`uploadId`, not with `userIds`: its unknown ids were reported when it was made); null when it asks
   * for none. Unknown ids fail a real run (400 E0000001: how many, and the first ten); a dry run reports them.
   */
  async userScope(request: UserScopeRequest, dryRun: boolean): Promise<UserScope> {
    const sets: string[][] = [];
    let unknownUserIds: UserScope['unknownUserIds'] = null;
    if (request.uploadId) {
      if (request.userIds)
        throw new ValidationFailedError(['uploadId: not with userIds; give one or the other']);
      sets.push(await this.uploads.userIds(request.uploadId.toLowerCase()));
    }
    if (request.userIds) {
      const asked = [...new Set(request.userIds.map((id) => id.toLowerCase()))];
      const { rows } = await this.pool.query<{ id: string }>(
        `SELECT id FROM ${USERS_VIEW} WHERE id = ANY($1::uuid[])`,
        [asked],
      );
      const known = new Set(rows.map((row) => row.id));
      const unknown = asked.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        unknownUserIds = { total: unknown.length, first: unknown.slice(0, UNKNOWN_IDS_SHOWN) };
        if (!dryRun) {
          throw new ValidationFailedError([
            `userIds: ${unknown.length} of the ids are no user's: ${unknownUserIds.first.join(', ')}${unknown.length > UNKNOWN_IDS_SHOWN ? ', …' : ''}`,
          ]);
        }
      }
      sets.push(asked.filter((id) => known.has(id)));
    }
    for (const [name, source] of [
      ['filter', request.filter],
      ['search', request.search],
    ] as const) {
      if (!source) continue;
      const compiled = compileFilter(source, USER_FIELDS, 1, name);
      const { rows } = await this.pool.query<{ id: string }>(
        firstUsersByIdSql('id', compiled.sql, `$${compiled.params.length + 1}`),
        [...compiled.params, MAX_SCOPED_USERS + 1],
      );
      if (rows.length > MAX_SCOPED_USERS) {
        throw new ValidationFailedError([
          `${name}: matches more than ${MAX_SCOPED_USERS} users; narrow it, or scope by providers or groupIds`,
        ]);
      }
      sets.push(rows.map((row) => row.id));
    }
    if (sets.length === 0) return { userIds: null, unknownUserIds };
    const [first, ...others] = sets;
    const userIds = others.reduce((kept, set) => {
      const members = new Set(set);
      return kept.filter((id) => members.has(id));
    }, first);
    return { userIds, unknownUserIds };
  }

  /** The groups asked for, each checked to exist (400 E0000001 naming the others); null when none. */
  async groups(requested: string[] | undefined): Promise<string[] | null> {
    if (!requested) return null;
    const groupIds = [...new Set(requested.map((id) => id.toLowerCase()))];
    const unknown = await unknownGroupIds(this.pool, groupIds);
    if (unknown.length > 0)
      throw new ValidationFailedError(unknown.map((id) => `groupIds: no group has the id ${id}`));
    return groupIds;
  }

  async start(
    providers: CredentialProviderType[],
    reason: string | null,
    caller: Caller,
    groupIds: string[] | null = null,
    scope: { userIds: string[] | null; filter?: string; search?: string } = { userIds: null },
    wavePlan: WavePlan | null = null,
  ): Promise<BulkJob> {
    const cutoff = this.clock.now().toISOString();
    const id = this.ids.next();
    const { created: job, fact } = await this.eventStore.transaction(async (tx) => {
      // Staged: the set is the targets now, in id order (each wave's size is what it expires).
      const userIds = wavePlan
        ? await targetIds(tx, providers, cutoff, groupIds, scope.userIds, MAX_SCOPED_USERS)
        : scope.userIds;
      const total = wavePlan
        ? (userIds as string[]).length
        : await countTargets(tx, providers, cutoff, groupIds, userIds);
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
            ...(groupIds ? { groupIds } : {}),
            ...(userIds ? { userIds } : {}),
            ...(wavePlan ? { waves: wavePlan } : {}),
            total,
            reason: reason,
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
        groupIds,
        scopedUsers: userIds?.length ?? null,
        filter: scope.filter ?? null,
        search: scope.search ?? null,
        wavePlan,
        cancelled: 0,
        reason: reason,
        total,
        expired: 0,
        skipped: 0,
        changedSinceCutoff: 0,
        checkpoint: null,
        actor: caller.actor,
        correlationId: caller.correlationId,
        createdAt: cutoff,
        completedAt: null,
      };
      await insertJob(tx, created);
      if (userIds) await insertJobUsers(tx, id, userIds, wavePlan?.size ?? null);
      if (!wavePlan) await insertSlices(tx, id, this.config.bulkExpiryConcurrency);
      else {
        await insertWaves(tx, id, planWaves(total, wavePlan, cutoff, this.config.bulkExpiryWaveMinuteMs));
      }
      await writeAudit(tx, [
        {
          eventType: 'user.lifecycle.password_mass_expiry',
          actor: caller.audit,
          target: { id, type: 'Job', alternateId: null },
          outcome: 'SUCCESS',
          reason: reason,
          correlationId: caller.correlationId,
          displayMessage: `Expire passwords of ${total} users (${providers.join(', ')}${groupIds ? `; members of ${groupIds.length} groups` : ''}${userIds ? `; of a set of ${userIds.length} users` : ''})`,
          debugData: {
            total,
            providers: providers.join(','),
            cutoff,
            groupIds: groupIds?.join(',') ?? null,
            scopedUsers: userIds?.length ?? null,
            filter: scope.filter ?? null,
            search: scope.search ?? null,
            waveSize: wavePlan?.size ?? null,
            waveIntervalMinutes: wavePlan?.intervalMinutes ?? null,
          },
          published: cutoff,
        },
      ]);
      // The first wave starts with the job: its users are expired at once, the others at their time.
      if (wavePlan)
        await startWave(
          tx,
          this.commandBus,
          created,
          1,
          cutoff,
          this.config.bulkExpiryConcurrency,
          caller.audit,
        );
      return { created, fact };
    });
    this.worker.start(id, fact);
    return job;
  }

  /**
   * Cancels the waves of a staged job that have not started (`CancelBulkPasswordExpiryWaves`; a job that has
   * completed, has no waves or none left to start is 403 E0000038): they turn CANCELLED and their users leave
   * the job's `total` (into `cancelled`); what the started waves expired stays expired, and a running wave
   * runs to its end. The job completes once no wave is left running.
   */
  async cancel(jobId: string, caller: Caller): Promise<BulkJob> {
    const at = this.clock.now().toISOString();
    await this.eventStore.transaction(async (tx) => {
      const job = await loadJob(tx, jobId, true);
      if (!job) throw new NotFoundError('Job');
      const {
        events: [cancelled],
      } = await this.commandBus.execute(
        new Decide(
          bulkJobDecider,
          bulkJobStreamId(jobId),
          { type: 'CancelBulkPasswordExpiryWaves', at },
          { actor: caller.actor, correlationId: caller.correlationId, causationId: jobId, occurredAt: at },
          { tx },
        ),
      );
      const waves = (cancelled as BulkPasswordExpiryWavesCancelled).data.waves;
      const { rows } = await tx.query<{ users: number }>(
        `WITH cancelled AS (
           UPDATE directory_bulk_job_waves SET state = 'CANCELLED', completed_at = $3
            WHERE job_id = $1 AND wave = ANY($2::int[]) AND state = 'PENDING' RETURNING size)
         SELECT coalesce(sum(size), 0)::int AS users FROM cancelled`,
        [jobId, waves, at],
      );
      const users = rows[0].users;
      await tx.query(
        'UPDATE directory_bulk_jobs SET total = total - $2, cancelled = cancelled + $2 WHERE id = $1',
        [jobId, users],
      );
      await writeAudit(tx, [
        {
          eventType: 'user.lifecycle.password_mass_expiry.cancel',
          actor: caller.audit,
          target: { id: jobId, type: 'Job', alternateId: null },
          outcome: 'SUCCESS',
          reason: job.reason,
          correlationId: caller.correlationId,
          displayMessage: `Cancel the remaining ${waves.length} waves of a staged bulk expiry (${users} users)`,
          debugData: { waves: waves.join(','), users },
          published: at,
        },
      ]);
    });
    // Completes the job now if no wave is running (or joins the running one's fan-out).
    this.worker.start(jobId);
    return (await loadJob(this.pool, jobId)) as BulkJob;
  }

  /** The providers asked for, or the default; FEDERATION/SOCIAL and refused delegated ones are 400 E0000001. */
  providers(requested: CredentialProviderType[] | undefined): CredentialProviderType[] {
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
