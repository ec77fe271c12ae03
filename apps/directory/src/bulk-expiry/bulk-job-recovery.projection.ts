import type { InlineProjection, Queryable } from '@lapse/shared';
import type { UserEvent } from '../user/domain/user.events';
import { expiryOf, passwordOf, type UserState } from '../user/domain/user.state';

/**
 * The job a user's change recovers from, if any: the user was under a bulk expiry (`expiry.jobId`) and now
 * has a password of their own (a new `changedAt`, no expiry in force). An administrator's temporary password
 * is not one: it comes with an expiry.
 */
export function recoveredFromJob(before: UserState, after: UserState): string | null {
  const expiry = expiryOf(before);
  if (expiry?.cause !== 'BULK' || !expiry.jobId || expiryOf(after) !== null) return null;
  const changedAt = passwordOf(after)?.changedAt ?? null;
  if (changedAt === null || changedAt === (passwordOf(before)?.changedAt ?? null)) return null;
  return expiry.jobId;
}

/**
 * A job's `changedSinceCutoff`, counted as it happens (in the transaction of the user's change), so reading
 * a job never scans its users.
 */
export const bulkJobRecoveryProjection: InlineProjection<UserEvent, UserState> = {
  name: 'directory_bulk_jobs.changed_since_cutoff',
  async handle(changes, tx: Queryable) {
    const jobIds = changes.flatMap((change) => recoveredFromJob(change.before, change.after) ?? []);
    if (jobIds.length === 0) return;
    await tx.query(
      `UPDATE directory_bulk_jobs j SET changed_since_cutoff = changed_since_cutoff + r.n
         FROM (SELECT id, count(*)::int AS n FROM unnest($1::uuid[]) AS id GROUP BY id) AS r
        WHERE j.id = r.id`,
      [jobIds],
    );
  },
};
