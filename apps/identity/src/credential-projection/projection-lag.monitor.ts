import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, LOGGER, type Logger, PG_POOL, PostgresEventStore, TOPICS } from '@lapse/shared';
import { loadCheckpoint } from '@lapse/shared/messaging/checkpoints';
import { parsePosition } from '@lapse/shared/transport/log-tailer';
import { Kafka, logLevel, type Admin } from '@lapse/shared/transport/kafkajs/client';
import type { Pool } from 'pg';
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
import { CREDENTIAL_PROJECTION_CONSUMER } from './credential.projection';
import { WatermarkHistory } from './watermark-history';

export interface ProjectionLag {
  /**
   * Events published but not yet applied: approximate on Kafka (summed partition lag) and, past 1,000, in the
   * log (estimated from log positions).
   */
  readonly events: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  readonly seconds: number;
  /** When this was measured; a measurement older than a few ticks counts as unknown. */
  readonly measuredAt: number;
}

/** Kafka: ten measurements a second (four small admin requests each); embedded: five (one log query). */
const KAFKA_TICK_MS = 100;
const LOG_TICK_MS = 200;
/** How long one request to the broker may take before the measurement fails (kafkajs's default is 30 s). */
const BROKER_REQUEST_TIMEOUT_MS = 1000;
/** Readiness reports the source unreachable once no measurement succeeded for this long (a blip is not an outage). */
const READINESS_SILENCE_MS = 1000;
export const PROJECTION_TOPICS = [TOPICS.directoryCredentials, TOPICS.directoryUsers] as const;

/**
 * Measures how far the credential projection is behind its source, several times a second, so the sign-in
 * path reads the answer from memory. Embedded transport: the PostgreSQL log after the consumer's
 * checkpoint. Kafka: high watermarks against the checkpoints the consumer writes per partition.
 *
 * A measurement is trusted for `lagMeasurementMaxAgeMs` only. A broker that is down (requests refused) or
 * frozen (requests unanswered) ends the measurements at once, so within that time the lag is unknown and the
 * gate confirms every sign-in with directory: an expiry directory answered during a broker outage is
 * enforced within that bound, not only once the lag passes `PROJECTION_MAX_LAG_MS`.
 */
@Injectable()
export class ProjectionLagMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private latest: ProjectionLag | null = null;
  private timer: NodeJS.Timeout | null = null;
  private admin: Admin | null = null;
  private caughtUpAt = 0;
  private measuring = false;
  private startedAt = 0;
  private readonly watermarks = new WatermarkHistory();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.caughtUpAt = this.clock.now().getTime();
    this.startedAt = this.caughtUpAt;
    const tickMs = this.config.base.transport === 'kafka' ? KAFKA_TICK_MS : LOG_TICK_MS;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }

  /**
   * The last measurement, or null when it is missing or older than `lagMeasurementMaxAgeMs` (the source —
   * Kafka's broker, or the database — has not answered since: the projection's freshness is unknown).
   */
  current(): ProjectionLag | null {
    if (!this.latest) return null;
    return this.clock.now().getTime() - this.latest.measuredAt > this.config.lagMeasurementMaxAgeMs
      ? null
      : this.latest;
  }

  /** Whether the projection's source has gone unanswered for longer than a blip (readiness reports it). */
  sourceUnreachable(): boolean {
    const last = this.latest?.measuredAt ?? this.startedAt;
    return this.clock.now().getTime() - last > READINESS_SILENCE_MS;
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
      // A client that lost its broker may keep its dead connection: the next tick starts a fresh one.
      const admin = this.admin;
      this.admin = null;
      await admin?.disconnect().catch(() => undefined);
    } finally {
      this.measuring = false;
    }
  }

  /** The log after the consumer's checkpoint (`PostgresEventStore.backlogAfter`: estimated past 1,000 events). */
  private async logLag(): Promise<{ events: number; oldestMs: number | null }> {
    const checkpoint = await loadCheckpoint(this.pool, CREDENTIAL_PROJECTION_CONSUMER, 'log');
    const { events, oldestRecordedAt } = await new PostgresEventStore(this.pool).backlogAfter(
      parsePosition(checkpoint),
    );
    return { events, oldestMs: oldestRecordedAt ? oldestRecordedAt.getTime() : null };
  }

  private async kafkaLag(): Promise<{ events: number; oldestMs: number | null }> {
    if (!this.admin) {
      const kafka = new Kafka({
        clientId: 'lapse-identity-lag',
        brokers: this.config.base.kafkaBrokers,
        logLevel: logLevel.NOTHING,
        // Fail fast: a failed measurement is what tells the gate the broker is unreachable, and the next
        // tick tries again.
        requestTimeout: BROKER_REQUEST_TIMEOUT_MS,
        connectionTimeout: BROKER_REQUEST_TIMEOUT_MS,
        retry: { retries: 0 },
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
    const now = this.clock.now().getTime();
    let events = 0;
    /** When the oldest pending event was published at the earliest, over every partition (null: unbounded). */
    let oldestMs: number | null = now;
    for (const topic of PROJECTION_TOPICS) {
      // A failed request fails the measurement: an empty answer would read as "caught up".
      const offsets = await this.admin.fetchTopicOffsets(topic);
      for (const partition of offsets) {
        const source = `kafka:${topic}:${partition.partition}`;
        const next = (applied.get(source) ?? Number(partition.low) - 1) + 1;
        const high = Number(partition.high);
        events += Math.max(0, high - next);
        const age = this.watermarks.pendingAgeMs(source, next, high, now);
        oldestMs = age === null || oldestMs === null ? null : Math.min(oldestMs, now - age);
        this.watermarks.record(source, now, high);
      }
    }
    return { events, oldestMs };
  }
}
