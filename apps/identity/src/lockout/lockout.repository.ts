import type { Queryable } from '@lapse/shared';

/** Counts a failed attempt atomically; returns the new count and whether the account was already locked. */
export async function countFailedAttempt(
  db: Queryable,
  userId: string,
  now: Date,
): Promise<{ failedAttempts: number; lockedAt: Date | null }> {
  const { rows } = await db.query<{ failed_attempts: number; locked_at: Date | null }>(
    `INSERT INTO identity_lockouts (user_id, failed_attempts, last_failed_at) VALUES ($1, 1, $2)
     ON CONFLICT (user_id) DO UPDATE SET failed_attempts = identity_lockouts.failed_attempts + 1, last_failed_at = $2
     RETURNING failed_attempts, locked_at`,
    [userId, now],
  );
  return { failedAttempts: rows[0].failed_attempts, lockedAt: rows[0].locked_at };
}

/** Locks once: true only for the caller that set the lock (so directory is told exactly once). */
export async function lockAccount(db: Queryable, userId: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE identity_lockouts SET locked_at = $2 WHERE user_id = $1 AND locked_at IS NULL',
    [userId, now],
  );
  return (rowCount ?? 0) > 0;
}

/** A successful sign-in, a password change or an auto-unlock starts the count again. */
export async function clearLockout(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM identity_lockouts WHERE user_id = $1', [userId]);
}
