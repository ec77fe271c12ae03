import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  type StreamAppend,
  CLOCK,
  type Clock,
  EventStoreProvider,
  ID_SOURCE,
  type IdSource,
  LOGGER,
  type Logger,
} from '@lapse/shared';
import type { PoolClient } from 'pg';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import type { ExpirePasswordInBulk } from '../user/domain/user.commands';
import { userDecider, userStreamId } from '../user/domain/user.decider';
import type { ExistingUser } from '../user/domain/user.state';
import { projectUsers } from '../user/read-models/directory-users.projection';
import type { BulkPasswordExpiryCompleted } from './domain/bulk-job.events';
import {
  type BulkJob,
  bulkJobStreamId,
  loadJob,
  lockSlice,
  runningJobIds,
  unfinishedSlices,
} from './bulk-jobs';

const MAX_BATCH_ATTEMPTS = 10;

export type BatchOutcome = 'progressed' | 'completed' | 'not-running';

/**
 * The fan-out of a bulk expiry: after the single enforcing fact, appends each targeted user's
 * `PasswordExpired` (cause BULK) in batches, many streams per transaction, each at its expected version.
 * The job row is locked per batch and carries the checkpoint (last user id), so the fan-out resumes where
 * it stopped after a crash, and the decider skips users already expired by the job, so it is idempotent.
 */
@Injectable()
export class BulkExpiryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly eventStore: EventStoreProvider,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.bulkExpiryWorker) return;
    for (const id of await runningJobIds(this.eventStore.pool)) this.start(id);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled(this.running.values());
  }

  /** Runs the job's fan-out in the background (once per job per process). */
  start(jobId: string): void {
    if (!this.config.bulkExpiryWorker || this.running.has(jobId) || this.stopping) return;
    const run = this.runToCompletion(jobId)
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

  private async runToCompletion(jobId: string): Promise<void> {
    const started = Date.now();
    const slices = await unfinishedSlices(this.eventStore.pool, jobId);
    await Promise.all(
      slices.map(async (slice) => {
        while (
          !this.stopping &&
          (await this.withRetry(() => this.processSliceBatch(jobId, slice))) === 'progressed'
        );
      }),
    );
    if (this.stopping) return;
    await this.withRetry(() => this.completeIfDone(jobId));
    this.logger.info({ jobId, ms: Date.now() - started }, 'bulk expiry fan-out finished');
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
      const outcome = await this.processSliceBatch(jobId, slice);
      if (outcome !== 'done') return outcome;
    }
  }

  /**
   * One batch in one transaction: lock the slice, read its next targets after the checkpoint, decide,
   * append to every stream at its expected version, project, move the checkpoint.
   */
  private processSliceBatch(jobId: string, sliceNumber: number): Promise<BatchOutcome | 'done'> {
    return this.eventStore.transaction(async (tx) => {
      const slice = await lockSlice(tx, jobId, sliceNumber);
      const job = await loadJob(tx, jobId);
      if (!slice || !job || job.status !== 'RUNNING') return 'not-running';
      if (slice.done) return 'done';
      const { rows } = await tx.query<{ id: string; version: number; state: ExistingUser }>(
        `SELECT id, version, state FROM directory_users
          WHERE provider_type = ANY($1::text[]) AND created_at < $2::timestamptz
            AND id > $3::uuid AND ($4::uuid IS NULL OR id < $4::uuid)
          ORDER BY id LIMIT $5`,
        [
          job.providers,
          job.cutoff,
          slice.checkpoint ?? previousUuid(slice.low),
          slice.high,
          this.config.bulkExpiryBatchSize,
        ],
      );
      if (rows.length === 0) {
        await tx.query('UPDATE directory_bulk_job_slices SET done = true WHERE job_id = $1 AND slice = $2', [
          jobId,
          sliceNumber,
        ]);
        return 'done';
      }
      const now = this.clock.now().toISOString();
      const command: ExpirePasswordInBulk = {
        type: 'ExpirePasswordInBulk',
        jobId,
        cutoff: job.cutoff,
        reason: job.reason,
        at: job.cutoff,
      };
      const appends: StreamAppend[] = [];
      const projected: { state: ExistingUser; version: number }[] = [];
      for (const row of rows) {
        const events = userDecider.decide(command, row.state);
        if (events.length === 0) continue;
        const after = events.reduce(userDecider.evolve, row.state) as ExistingUser;
        appends.push({
          streamId: userStreamId(row.id),
          expectedVersion: row.version,
          events: events.map((event) => ({
            event,
            metadata: {
              eventId: this.ids.next(),
              correlationId: job.correlationId,
              causationId: jobId,
              actor: job.actor,
              occurredAt: now,
            },
          })),
        });
        projected.push({ state: after, version: row.version + events.length });
      }
      await this.eventStore.store.appendToStreams(appends, tx);
      await projectUsers(tx, projected);
      await tx.query(
        `UPDATE directory_bulk_job_slices SET expired = expired + $3, skipped = skipped + $4, checkpoint = $5
          WHERE job_id = $1 AND slice = $2`,
        [jobId, sliceNumber, appends.length, rows.length - appends.length, rows[rows.length - 1].id],
      );
      return 'progressed';
    });
  }

  /** Once every slice is done: the totals, `BulkPasswordExpiryCompleted`, status COMPLETED (once). */
  private completeIfDone(jobId: string): Promise<BatchOutcome> {
    return this.eventStore.transaction(async (tx) => {
      const locked = await loadJob(tx, jobId, true);
      if (!locked || locked.status !== 'RUNNING') return 'not-running';
      if ((await unfinishedSlices(tx, jobId)).length > 0) return 'progressed';
      const job = await loadJob(tx, jobId);
      await this.complete(tx, job as BulkJob);
      return 'completed';
    });
  }

  private async complete(tx: PoolClient, job: BulkJob): Promise<void> {
    const completedAt = this.clock.now().toISOString();
    // Users the count included but the fan-out found ineligible (changed meanwhile) count as skipped.
    const event: BulkPasswordExpiryCompleted = {
      type: 'BulkPasswordExpiryCompleted',
      schemaVersion: 1,
      data: { jobId: job.id, expired: job.expired, skipped: job.skipped, completedAt },
    };
    await this.eventStore.store.append(
      bulkJobStreamId(job.id),
      1,
      [
        {
          event,
          metadata: {
            eventId: this.ids.next(),
            correlationId: job.correlationId,
            causationId: job.id,
            actor: job.actor,
            occurredAt: completedAt,
          },
        },
      ],
      tx,
    );
    await tx.query(
      "UPDATE directory_bulk_jobs SET status = 'COMPLETED', completed_at = $2, expired = $3, skipped = $4 WHERE id = $1",
      [job.id, completedAt, job.expired, job.skipped],
    );
  }
}

/** The uuid just below `uuid` in order (so `id > previousUuid(low)` includes `low` itself). */
export function previousUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (/^0+$/.test(hex)) return '00000000-0000-0000-0000-000000000000';
  const value = (BigInt(`0x${hex}`) - 1n).toString(16).padStart(32, '0');
  return `${value.slice(0, 8)}-${value.slice(8, 12)}-${value.slice(12, 16)}-${value.slice(16, 20)}-${value.slice(20)}`;
}
