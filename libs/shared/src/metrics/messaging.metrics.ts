import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { InfrastructureOptions } from '../nest/infrastructure.options';
import { INFRASTRUCTURE_OPTIONS, PG_POOL } from '../nest/tokens';
import { type Admin, Kafka, logLevel } from '../transport/kafkajs/client';
import { PostgresEventStore } from '../event-store/event-store';
import { parsePosition } from '../transport/log-tailer';
import { Metrics } from './metrics';

/**
 * Messaging figures read from this service's database at scrape time: how far each reader of the event log
 * (the relays that publish to Kafka, the embedded transport's consumers) is behind, where each relay is
 * (`rate()` of it is the relay's throughput), the Kafka consumers' checkpoints, and dead letters. Names of
 * consumers and topics only: no payload, key or user id.
 */
@Injectable()
export class MessagingMetrics implements OnApplicationShutdown {
  private admin: Admin | null = null;

  constructor(
    metrics: Metrics,
    @Inject(PG_POOL) pool: Pool,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly options: InfrastructureOptions,
  ) {
    if (options.transport === 'kafka') {
      metrics.gauge(
        'lapse_kafka_consumer_lag_messages',
        "Messages on a topic not yet applied by this service's consumer (broker high watermarks minus checkpoints).",
        ['consumer', 'topic'],
        async (gauge) => {
          const { rows } = await pool.query<{ consumer: string; source: string; position: string }>(
            `SELECT consumer, source, position FROM lapse_checkpoints
              WHERE source LIKE 'kafka:%' AND position ~ '^[0-9]+$'`,
          );
          const applied = new Map(rows.map((row) => [`${row.consumer} ${row.source}`, Number(row.position)]));
          const consumers = new Map<string, Set<string>>();
          for (const row of rows) {
            const topic = row.source.split(':')[1];
            consumers.set(topic, (consumers.get(topic) ?? new Set()).add(row.consumer));
          }
          const admin = await this.kafkaAdmin();
          gauge.reset();
          for (const [topic, names] of consumers) {
            const offsets = await admin.fetchTopicOffsets(topic).catch(async (error: unknown) => {
              await this.onApplicationShutdown();
              throw error;
            });
            for (const consumer of names) {
              let lag = 0;
              for (const partition of offsets) {
                const next =
                  (applied.get(`${consumer} kafka:${topic}:${partition.partition}`) ??
                    Number(partition.low) - 1) + 1;
                lag += Math.max(0, Number(partition.high) - next);
              }
              gauge.set({ consumer, topic }, lag);
            }
          }
        },
      );
    }
    metrics.gauge(
      'lapse_log_consumer_lag_events',
      'Events in the log not yet read by a relay or an embedded-transport consumer (estimated past 1,000).',
      ['consumer'],
      async (gauge) => {
        const { rows } = await pool.query<{ consumer: string; position: string }>(
          `SELECT consumer, position FROM lapse_checkpoints WHERE source = 'log' AND position LIKE '%:%'`,
        );
        const store = new PostgresEventStore(pool);
        const backlogs = await Promise.all(
          rows.map(
            async (row) => [row.consumer, await store.backlogAfter(parsePosition(row.position))] as const,
          ),
        );
        gauge.reset();
        for (const [consumer, backlog] of backlogs) gauge.set({ consumer }, backlog.events);
      },
    );
    metrics.gauge(
      'lapse_log_consumer_position',
      'Global log position a relay or embedded consumer has read up to; rate() of it is its throughput.',
      ['consumer'],
      async (gauge) => {
        const { rows } = await pool.query<{ consumer: string; position: string }>(
          `SELECT consumer, split_part(position, ':', 2) AS position
             FROM lapse_checkpoints WHERE source = 'log' AND position LIKE '%:%'`,
        );
        gauge.reset();
        for (const row of rows) gauge.set({ consumer: row.consumer }, Number(row.position));
      },
    );
    metrics.gauge(
      'lapse_kafka_consumer_offset',
      'Offset a Kafka consumer has applied, summed over the partitions of each topic.',
      ['consumer', 'topic'],
      async (gauge) => {
        const { rows } = await pool.query<{ consumer: string; topic: string; offset: string }>(
          `SELECT consumer, split_part(source, ':', 2) AS topic, sum(position::bigint)::text AS offset
             FROM lapse_checkpoints WHERE source LIKE 'kafka:%' AND position ~ '^[0-9]+$'
            GROUP BY 1, 2`,
        );
        gauge.reset();
        for (const row of rows) gauge.set({ consumer: row.consumer, topic: row.topic }, Number(row.offset));
      },
    );
    metrics.gauge(
      'lapse_dead_letters',
      'Messages a consumer gave up on, kept in lapse_dead_letters, by consumer and topic.',
      ['consumer', 'topic'],
      async (gauge) => {
        const { rows } = await pool.query<{ consumer: string; topic: string; count: number }>(
          'SELECT consumer, topic, count(*)::int AS count FROM lapse_dead_letters GROUP BY 1, 2',
        );
        gauge.reset();
        for (const row of rows) gauge.set({ consumer: row.consumer, topic: row.topic }, row.count);
      },
    );
  }

  /** One admin client for the scrapes, made on the first; a failed request drops it so the next starts afresh. */
  private async kafkaAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const kafka = new Kafka({
      clientId: `lapse-${this.options.service}-metrics`,
      brokers: [...(this.options.kafkaBrokers ?? [])],
      logLevel: logLevel.NOTHING,
      requestTimeout: 2000,
      connectionTimeout: 2000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await admin.connect();
    this.admin = admin;
    return admin;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }
}
