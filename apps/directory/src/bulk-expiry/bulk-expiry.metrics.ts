import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import { Metrics } from '@lapse/shared/metrics/metrics';
import type { Pool } from 'pg';

/**
 * Bulk expiry on `/metrics`, read from `directory_bulk_jobs` at scrape time: jobs by status, and the users of
 * the running jobs by outcome (expired, skipped, pending), which is the fan-out's progress. No job or user id.
 */
@Injectable()
export class BulkExpiryMetrics {
  constructor(metrics: Metrics, @Inject(PG_POOL) pool: Pool) {
    metrics.gauge('lapse_bulk_expiry_jobs', 'Bulk expiry jobs by status.', ['status'], async (gauge) => {
      const { rows } = await pool.query<{ status: string; count: number }>(
        'SELECT status, count(*)::int AS count FROM directory_bulk_jobs GROUP BY status',
      );
      gauge.reset();
      for (const row of rows) gauge.set({ status: row.status }, row.count);
    });
    metrics.gauge(
      'lapse_bulk_expiry_running_users',
      'Users of the running bulk expiry jobs by outcome: expired, skipped, pending.',
      ['outcome'],
      async (gauge) => {
        const { rows } = await pool.query<{ expired: number; skipped: number; total: number }>(
          `SELECT coalesce(sum(expired), 0)::int AS expired, coalesce(sum(skipped), 0)::int AS skipped,
                  coalesce(sum(total), 0)::int AS total
             FROM directory_bulk_jobs WHERE status = 'RUNNING'`,
        );
        const { expired, skipped, total } = rows[0] ?? { expired: 0, skipped: 0, total: 0 };
        gauge.set({ outcome: 'expired' }, expired);
        gauge.set({ outcome: 'skipped' }, skipped);
        gauge.set({ outcome: 'pending' }, Math.max(0, total - expired - skipped));
      },
    );
  }
}
