import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, LOGGER, type Logger, PG_POOL, TOPICS } from '@lapse/shared';
import { Kafka, logLevel, type Admin } from '@lapse/shared/transport/kafkajs/client';
import type { Pool } from 'pg';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { CREDENTIAL_PROJECTION_CONSUMER } from './credential.projection';

export interface ProjectionLag {
  /** Events published but not yet applied (approximate on Kafka: summed partition lag). */
  readonly events: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  readonly seconds: number;
  /** When this was measured; a measurement older than a few ticks counts as unknown. */
  readonly measuredAt: number;
}

const TICK_MS = 200;
const COUNT_CAP = 1_000_000;
export const PROJECTION_TOPICS = [TOPICS.directoryCredentials, TOPICS.directoryUsers] as const;

/**
 * Measures how far the credential projection is behind its source, a few times a second, so the sign-in
 * path reads the answer from memory. Embedded transport: the PostgreSQL log after the consumer's
 * checkpoint. Kafka: high watermarks against the checkpoints the consumer writes per partition.
 */
@Injectable()
export class ProjectionLagMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private latest: ProjectionLag | null = null;
  private timer: NodeJS.Timeout | null = null;
  private admin: Admin | null = null;
  private caughtUpAt = 0;
  private measuring = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.caughtUpAt = this.clock.now().getTime();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** The last measurement, or null when it is missing or too old to trust. */
  current(): ProjectionLag | null {
    if (!this.latest) return null;
    return this.clock.now().getTime() - this.latest.measuredAt > TICK_MS * 10 ? null : this.latest;
  }

  /** Measures now (tests, metrics scrape) rather than waiting for the next tick. */
  async measure(): Promise<ProjectionLag> {
    const now = this.clock.now().getTime();
    const { events, oldestMs } =
      this.config.base.transport === 'kafka' ? await this.kafkaLag() : await this.logLag();
    if (events === 0) this.caughtUpAt = now;
    const oldest = events === 0 ? now : (oldestMs ?? this.caughtUpAt);
    this.latest = { events, seconds: Math.max(0, (now - oldest) / 1000), measuredAt: now };
    return this.latest;
  }

  private async tick(): Promise<void> {
    if (this.measuring) return;
    this.measuring = true;
    try {
      await this.measure();
    } catch (error) {
      this.logger.debug(
        { err: error instanceof Error ? error.message : String(error) },
        'projection lag not measured',
      );
    } finally {
      this.measuring = false;
    }
  }

  private async logLag(): Promise<{ events: number; oldestMs: number | null }> {
    const { rows } = await this.pool.query<{ events: number; oldest: Date | null }>(
      `WITH cp AS (
         SELECT coalesce(split_part(position, ':', 1), '0')::xid8 AS tx, coalesce(split_part(position, ':', 2), '0')::bigint AS pos
           FROM (SELECT (SELECT position FROM lapse_checkpoints WHERE consumer = $1 AND source = 'log') AS position) p
       ), pending AS (
         SELECT e.recorded_at FROM lapse_events e, cp
          WHERE (e.transaction_id, e.global_position) > (cp.tx, cp.pos)
          ORDER BY e.transaction_id, e.global_position LIMIT ${COUNT_CAP}
       )
       SELECT count(*)::int AS events, min(recorded_at) AS oldest FROM pending`,
      [CREDENTIAL_PROJECTION_CONSUMER],
    );
    return { events: rows[0]?.events ?? 0, oldestMs: rows[0]?.oldest ? rows[0].oldest.getTime() : null };
  }

  private async kafkaLag(): Promise<{ events: number; oldestMs: number | null }> {
    if (!this.admin) {
      const kafka = new Kafka({
        clientId: 'lapse-identity-lag',
        brokers: this.config.base.kafkaBrokers,
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const { rows } = await this.pool.query<{ source: string; position: string }>(
      `SELECT source, position FROM lapse_checkpoints WHERE consumer = $1 AND source LIKE 'kafka:%'`,
      [CREDENTIAL_PROJECTION_CONSUMER],
    );
    const applied = new Map(rows.map((row) => [row.source, Number(row.position)]));
    let events = 0;
    for (const topic of PROJECTION_TOPICS) {
      const offsets = await this.admin.fetchTopicOffsets(topic).catch(() => []);
      for (const partition of offsets) {
        const next = (applied.get(`kafka:${topic}:${partition.partition}`) ?? Number(partition.low) - 1) + 1;
        events += Math.max(0, Number(partition.high) - next);
      }
    }
    return { events, oldestMs: null };
  }
}
