import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import type { ApiClient } from './api-client';
import type { CliIo, Output } from './io';

/** A bulk expiry job as `GET /api/v1/jobs/{id}` presents it. */
export interface Job {
  readonly id: string;
  readonly type: string;
  readonly status: 'RUNNING' | 'COMPLETED';
  readonly total: number;
  readonly done: number;
  readonly expired: number;
  readonly skipped: number;
  readonly changedSinceCutoff?: number;
  readonly providers?: readonly string[];
  readonly groupIds?: readonly string[];
  readonly scopedUsers?: number;
  readonly filter?: string;
  readonly search?: string;
  readonly wavePlan?: { size: number; intervalMinutes: number };
  /** Users of the waves cancelled before they started (they left `total`). */
  readonly cancelled?: number;
  readonly waves?: readonly Wave[];
  readonly reason?: string | null;
  readonly created: string;
  readonly completed: string | null;
}

/** One wave of a staged job. */
export interface Wave {
  readonly number: number;
  readonly size: number;
  readonly state: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED';
  readonly startsAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

export const POLL_INTERVAL_MS = 500;

export const jobLine = (job: Job) =>
  `job ${job.id} ${job.status}: ${job.done}/${job.total} done (${job.expired} expired, ${job.skipped} skipped)`;

/** A staged job's waves as a table (state, size, when it starts or started); nothing for other jobs. */
export function printWaves(out: Output, job: Job): void {
  if (!job.waves) return;
  out.line(
    `waves of up to ${job.wavePlan?.size} users, ${job.wavePlan?.intervalMinutes} min apart` +
      (job.cancelled ? ` (${job.cancelled} users cancelled)` : ''),
  );
  out.table(
    ['WAVE', 'STATE', 'SIZE', 'STARTS', 'STARTED', 'COMPLETED'],
    job.waves.map((wave) => [
      wave.number,
      wave.state,
      wave.size,
      wave.startsAt,
      wave.startedAt,
      wave.completedAt,
    ]),
  );
}

/**
 * Polls the job until it completes, showing its progress on stderr: a live bar (cli-progress) on a
 * terminal, else one line each time the count moves (logs and CI stay readable); nothing with `quiet`.
 */
export async function watchJob(api: ApiClient, io: CliIo, first: Job, quiet: boolean): Promise<Job> {
  let job = first;
  const bar =
    !quiet && io.stderr.isTTY
      ? new SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format:
            'expiring {bar} {percentage}% | {value}/{total} users | {expired} expired, {skipped} skipped',
          hideCursor: true,
        })
      : null;
  bar?.start(job.total, job.done, { expired: job.expired, skipped: job.skipped });
  let shown = -1;
  const show = () => {
    if (bar) bar.update(job.done, { expired: job.expired, skipped: job.skipped });
    else if (!quiet && job.done !== shown) io.stderr.write(`${jobLine(job)}\n`);
    shown = job.done;
  };
  try {
    show();
    while (job.status !== 'COMPLETED') {
      await sleep(POLL_INTERVAL_MS);
      job = (await api.request<Job>('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}`)).body;
      if (bar) bar.setTotal(job.total);
      show();
    }
  } finally {
    bar?.stop();
  }
  return job;
}
