import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@lapse/shared';
import { Metrics } from '@lapse/shared/metrics/metrics';
import type { Pool } from 'pg';

/**
 * Deliveries on `/metrics`, read from `notifier_delivery_jobs` at scrape time: by kind, channel (EMAIL,
 * VOICE) and outcome (PENDING, SENT, FAILED). `rate()` of the SENT and FAILED series is the delivery rate.
 * No recipient, login or user id.
 */
@Injectable()
export class DeliveryMetrics {
  constructor(metrics: Metrics, @Inject(PG_POOL) pool: Pool) {
    metrics.gauge(
      'lapse_notifier_deliveries',
      'Deliveries (temporary passwords, expiry notices) by kind, channel and outcome.',
      ['kind', 'channel', 'outcome'],
      async (gauge) => {
        const { rows } = await pool.query<{ kind: string; channel: string; status: string; count: number }>(
          `SELECT kind, channel, status, count(*)::int AS count FROM notifier_delivery_jobs
            GROUP BY kind, channel, status`,
        );
        gauge.reset();
        for (const row of rows)
          gauge.set({ kind: row.kind, channel: row.channel, outcome: row.status }, row.count);
      },
    );
  }
}
