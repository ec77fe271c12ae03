import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CLOCK,
  type Clock,
  type CommandContext,
  Decide,
  EventStoreProvider,
  LOGGER,
  type LogPosition,
  type Logger,
  MessagingService,
} from '@lapse/shared';
import type { PoolClient } from 'pg';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import type { ExpirePasswordInBulk } from '../user/domain/user.commands';
import { userDecider, userStreamId } from '../user/domain/user.decider';
import { dueWaves, hasOpenWaves, settleWaves, startWave } from './bulk-job-waves';
import { bulkJobDecider, bulkJobStreamId } from './domain/bulk-job.decider';
import {
  type BulkJob,
  claimSlice,
  completedCounts,
  type JobSlice,
  joinableJobIds,
  loadJob,
  lockSlice,
  runningJobIds,
  unfinishedSlices,
} from './bulk-jobs';
import { expireBatchFromReadModel } from '../user/expire-in-bulk/expire-in-bulk.batch';

const MAX_BATCH_ATTEMPTS = 10;
/** Who starts a staged job's later waves in the System Log. */
const SYSTEM_AUDIT = { id: 'system', type: 'System', displayName: 'Lapse' } as const;
/**
 * How long a new job's fan-out waits for its enforcing fact to be published (Kafka: acknowledged from this
 * process's relay) before it starts anyway (Kafka down or slow: the events wait in the log either way).
 */
export const FACT_PUBLICATION_WAIT_MS = 2000;

export type BatchOutcome = 'progressed' | 'completed' | 'not-running';
/** How long a fan-out loop waits when every unfinished slice is being worked elsewhere. */
const ALL_CLAIMED_WAIT_MS = 100;

/**
 * The fan-out of a bulk expiry: after the single enforcing fact, appends each targeted user's one
 * `PasswordExpired` (cause BULK, carrying the credential change) in batches, many streams per transaction
 * and statement, each at its expected version (`expireBatchFromReadModel`). The job's slices are disjoint
 * id ranges run concurrently; each carries its checkpoint (last user id), so the fan-out resumes where it
 * stopped after a crash, and users already expired by the job are skipped, so it is idempotent.
 *
 * Several directory instances share a job: each batch transaction claims a slice no other transaction
 * holds (`claimSlice`, `FOR UPDATE SKIP LOCKED`), so two workers never work the same slice at once and
 * neither waits for the other; an instance that did not take the request joins the job when it polls
 * (`BULK_EXPIRY_POLL_MS`), once the fan-out has begun.
 *
 * A new job's fan-out starts once its fact is published (`start(jobId, fact)`): otherwise its first batches
 * take the cores from the relay and the consumers while they carry the one event that enforces the
 * expiry (on two cores a 100,000-user fan-out saturates both at once).
 */
@Injectable()
export class BulkExpiryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  private poll: NodeJS.Timeout | null = null;
  private wavePoll: NodeJS.Timeout | null = null;
  /** The current round of `startDueWaves` (rounds never overlap in one process). */
  private waveRound: Promise<void> = Promise.resolve();

  constructor(
    private readonly eventStore: EventStoreProvider,
    @Inject(CommandBus) private readonly commandBus: Pick<CommandBus, 'execute'>,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MessagingService) private readonly messaging: Pick<MessagingService, 'whenPublished'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.bulkExpiryWorker) return;
    for (const id of await runningJobIds(this.eventStore.pool)) this.start(id);
    if (this.config.bulkExpiryPollMs > 0) {
      this.poll = setInterval(() => void this.joinRunningJobs(), this.config.bulkExpiryPollMs);
      this.poll.unref();
    }
    // Staged jobs' waves start when due, also after a restart (those that fell due meanwhile, one per job per
    // round); with two instances, each wave once (`startWave` under the job's row lock).
    this.wavePoll = setInterval(() => void this.startDueWaves(), this.config.bulkExpiryPollMs || 1000);
    this.wavePoll.unref();
    void this.startDueWaves();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.poll) clearInterval(this.poll);
    if (this.wavePoll) clearInterval(this.wavePoll);
    await this.waveRound;
    await Promise.allSettled(this.running.values());
  }

  /** Starts the waves that are due now (each in its own transaction), then their fan-out. */
  startDueWaves(): Promise<void> {
    if (this.stopping) return this.waveRound;
    this.waveRound = this.waveRound.then(async () => {
      try {
        const now = this.clock.now().toISOString();
        for (const { jobId, wave } of await dueWaves(this.eventStore.pool, now)) {
          if (this.stopping) return;
          const started = await this.eventStore.transaction(async (tx) => {
            const job = await loadJob(tx, jobId, true);
            if (!job || job.status !== 'RUNNING') return false;
            return startWave(
              tx,
              this.commandBus,
              job,
              wave,
              now,
              this.config.bulkExpiryConcurrency,
              SYSTEM_AUDIT,
            );
          });
          if (started) {
            this.logger.info({ jobId, wave }, 'bulk expiry wave started');
            this.start(jobId);
          }
        }
      } catch (error) {
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'due bulk expiry waves not started',
        );
      }
    });
    return this.waveRound;
  }

  /** Joins the fan-out of jobs another instance started (see `joinableJobIds`). */
  private async joinRunningJobs(): Promise<void> {
    try {
      for (const id of await joinableJobIds(this.eventStore.pool, FACT_PUBLICATION_WAIT_MS * 2))
        this.start(id);
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'running bulk jobs not polled',
      );
    }
  }

  /**
   * Runs the job's fan-out in the background (once per job per process); with `fact`, the position of the
   * job's enforcing fact in the log, after that is published (at most FACT_PUBLICATION_WAIT_MS).
   */
  start(jobId: string, fact?: LogPosition): void {
    if (!this.config.bulkExpiryWorker || this.running.has(jobId) || this.stopping) return;
    const run = this.runToCompletion(jobId, fact)
      .catch((error) =>
        this.logger.error(
          { jobId, err: error instanceof Error ? error.message : String(error) },
          'bulk expiry stopped',
        ),
      )
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, run);
  }

  /** Resolves when the job's fan-out in this process has finished (tests, benchmark). */
  async settled(jobId: string): Promise<void> {
    await this.running.get(jobId);
  }

  private async runToCompletion(jobId: string, fact?: LogPosition): Promise<void> {
    const started = Date.now();
    if (fact && !(await this.messaging.whenPublished(fact, FACT_PUBLICATION_WAIT_MS)))
      this.logger.warn({ jobId, waitedMs: FACT_PUBLICATION_WAIT_MS }, 'bulk expiry fact not yet published');
    const slices = await unfinishedSlices(this.eventStore.pool, jobId);
    await Promise.all(slices.map(() => this.workClaimedSlices(jobId)));
    if (this.stopping) return;
    const outcome = await this.withRetry(() => this.completeIfDone(jobId));
    // A staged job between waves is not done: its next wave's fan-out runs again.
    if (outcome === 'completed')
      this.logger.info({ jobId, ms: Date.now() - started }, 'bulk expiry fan-out finished');
  }

  /**
   * One of the job's concurrent loops: batch after batch, each from a slice it claims for that batch, until
   * no slice is left unfinished. When all unfinished slices are being worked elsewhere it waits and claims
   * again: a worker that dies releases its slice, and this one finishes it.
   */
  private async workClaimedSlices(jobId: string): Promise<void> {
    while (!this.stopping) {
      const outcome = await this.withRetry(() =>
        this.processSliceBatch(jobId, (tx) => claimSlice(tx, jobId)),
      );
      if (outcome === 'not-running') return;
      if (outcome !== 'none-free') continue;
      if ((await unfinishedSlices(this.eventStore.pool, jobId)).length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, ALL_CLAIMED_WAIT_MS));
    }
  }

  private async withRetry<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        // A user changed meanwhile (version conflict) or a transient database error: re-read and retry.
        if (attempt >= MAX_BATCH_ATTEMPTS || this.stopping) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
  }

  /** One batch of targets from the first unfinished slice that has any (or completes the job when none is left). */
  async processBatch(jobId: string): Promise<BatchOutcome> {
    for (;;) {
      const [slice] = await unfinishedSlices(this.eventStore.pool, jobId);
      if (slice === undefined) return this.completeIfDone(jobId);
      const outcome = await this.processSliceBatch(jobId, (tx) => lockSlice(tx, jobId, slice));
      if (outcome === 'none-free') return 'not-running';
      if (outcome !== 'done') return outcome;
    }
  }

  /**
   * One batch in one transaction: claim (lock) a slice, expire its next users after the checkpoint straight
   * from the read model (one statement), take any user whose stream moved on meanwhile through the decider
   * one by one, move the checkpoint. 'none-free': no slice could be claimed.
   */
  private processSliceBatch(
    jobId: string,
    claim: (tx: PoolClient) => Promise<JobSlice | null>,
  ): Promise<BatchOutcome | 'done' | 'none-free'> {
    return this.eventStore.transaction(async (tx) => {
      const job = await loadJob(tx, jobId);
      if (!job || job.status !== 'RUNNING') return 'not-running';
      const slice = await claim(tx);
      if (!slice) return 'none-free';
      const sliceNumber = slice.slice;
      if (slice.done) return 'done';
      const now = this.clock.now().toISOString();
      const batch = await expireBatchFromReadModel(tx, {
        jobId,
        cutoff: job.cutoff,
        providers: job.providers,
        groupIds: job.groupIds,
        userScoped: job.scopedUsers !== null,
        wave: slice.wave,
        reason: job.reason,
        actor: job.actor,
        correlationId: job.correlationId,
        now,
        after: slice.checkpoint ?? previousUuid(slice.low),
        before: slice.high,
        limit: this.config.bulkExpiryBatchSize,
      });
      if (batch.lastId === null) {
        await tx.query('UPDATE directory_bulk_job_slices SET done = true WHERE job_id = $1 AND slice = $2', [
          jobId,
          sliceNumber,
        ]);
        if (slice.wave !== null) await settleWaves(tx, jobId, now);
        return 'done';
      }
      let expired = batch.expired;
      for (const userId of batch.conflicted) {
        if (await this.expireThroughDecider(tx, job, userId, now)) expired++;
      }
      await tx.query(
        `UPDATE directory_bulk_job_slices SET expired = expired + $3, skipped = skipped + $4, checkpoint = $5
          WHERE job_id = $1 AND slice = $2`,
        [jobId, sliceNumber, expired, batch.examined - expired, batch.lastId],
      );
      return 'progressed';
    });
  }

  /**
   * The per-user path for a user whose stream moved past the read model's version while the batch ran: the
   * user command through the command handler in the batch's transaction (the decider may skip: e.g. a new
   * password; the read model is its inline projection).
   */
  private async expireThroughDecider(tx: PoolClient, job: BulkJob, userId: string, now: string) {
    const command: ExpirePasswordInBulk = {
      type: 'ExpirePasswordInBulk',
      jobId: job.id,
      cutoff: job.cutoff,
      reason: job.reason,
      at: job.cutoff,
    };
    const result = await this.commandBus.execute(
      new Decide(userDecider, userStreamId(userId), command, this.contextFor(job, now), { tx }),
    );
    return result.events.length > 0;
  }

  /** An event the job records: caused by the job, in its correlation, by its actor. */
  private contextFor(job: BulkJob, occurredAt: string): CommandContext {
    return { actor: job.actor, correlationId: job.correlationId, causationId: job.id, occurredAt };
  }

  /** Once every slice is done: the totals, `BulkPasswordExpiryCompleted`, status COMPLETED (once). */
  private completeIfDone(jobId: string): Promise<BatchOutcome> {
    return this.eventStore.transaction(async (tx) => {
      const locked = await loadJob(tx, jobId, true);
      if (!locked || locked.status !== 'RUNNING') return 'not-running';
      if ((await unfinishedSlices(tx, jobId)).length > 0) return 'progressed';
      if (locked.wavePlan) {
        await settleWaves(tx, jobId, this.clock.now().toISOString());
        // A staged job completes once no wave is left to start or to finish (or the rest were cancelled).
        if (await hasOpenWaves(tx, jobId)) return 'progressed';
      }
      const job = await loadJob(tx, jobId);
      await this.complete(tx, job as BulkJob);
      return 'completed';
    });
  }

  private async complete(tx: PoolClient, job: BulkJob): Promise<void> {
    const completedAt = this.clock.now().toISOString();
    // Targets the count included but the fan-out found ineligible (changed meanwhile) count as skipped.
    const { total, expired, skipped } = completedCounts(job.total, job.expired);
    await this.commandBus.execute(
      new Decide(
        bulkJobDecider,
        bulkJobStreamId(job.id),
        { type: 'CompleteBulkPasswordExpiry', expired, skipped, at: completedAt },
        this.contextFor(job, completedAt),
        { tx },
      ),
    );
    await tx.query(
      `UPDATE directory_bulk_jobs SET status = 'COMPLETED', completed_at = $2, total = $3, expired = $4, skipped = $5
        WHERE id = $1`,
      [job.id, completedAt, total, expired, skipped],
    );
    // Searches join the side table the job filled: plan them with its statistics now, not after autovacuum's
    // next round (up to a minute), when a status search could take a sort of every expired user.
    await tx.query('ANALYZE directory_bulk_expired');
  }
}

/** The uuid just below `uuid` in order (so `id > previousUuid(low)` includes `low` itself). */
export function previousUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (/^0+$/.test(hex)) return '00000000-0000-0000-0000-000000000000';
  const value = (BigInt(`0x${hex}`) - 1n).toString(16).padStart(32, '0');
  return `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;
}
