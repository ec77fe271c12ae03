import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { LogPosition } from '../event-sourcing/event';
import type { Logger } from '../logging/logger';
import type { ContractRegistry } from '../messaging/contract-registry';
import { type DeadLetterSink, TableDeadLetterSink } from '../messaging/dead-letter';
import { type ConsumerHandler, InboxConsumer } from '../messaging/inbox-consumer';
import { DEFAULT_INBOX_RETENTION_HOURS, InboxPruner } from '../messaging/inbox-retention';
import { combinePublications } from '../messaging/message';
import { EmbeddedTransport } from '../transport/embedded.transport';
import { KafkaTransport } from '../transport/kafka.transport';
import { LogNotifications } from '../transport/log-notifications';
import type { EventTransport } from '../transport/transport.port';
import type { InfrastructureOptions } from './infrastructure.options';
import { CONTRACTS, INFRASTRUCTURE_OPTIONS, LOGGER, PG_POOL } from './tokens';
import { EventStoreProvider } from './event-store.provider';

export interface ConsumerDefinition {
  /** Unique per service, e.g. `identity.credential-projection`. */
  readonly name: string;
  readonly topics: readonly string[];
  readonly handlers: Readonly<Record<string, ConsumerHandler>>;
  readonly maxAttempts?: number;
}

/**
 * The process's messaging: one transport (embedded or Kafka, from configuration), the relay for what
 * this process publishes (Kafka mode), and the consumers modules register. Consumers start when the
 * application has bootstrapped and stop, after their in-flight batch, on shutdown (SIGTERM).
 */
@Injectable()
export class MessagingService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly transport: EventTransport;
  readonly notifications: LogNotifications;
  private readonly definitions: ConsumerDefinition[] = [];
  private readonly kafka: KafkaTransport | null;
  private started = false;
  private readonly pruner: InboxPruner;

  constructor(
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly options: InfrastructureOptions,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONTRACTS) private readonly contracts: ContractRegistry,
    store: EventStoreProvider,
  ) {
    this.notifications = new LogNotifications(options.databaseUrl);
    if (options.transport === 'kafka') {
      this.kafka = new KafkaTransport({
        brokers: options.kafkaBrokers ?? [],
        clientId: `lapse-${options.service}`,
        logger,
      });
      this.transport = this.kafka;
    } else {
      this.kafka = null;
      this.transport = new EmbeddedTransport({
        pool,
        store: store.store,
        notifications: this.notifications,
        publication: combinePublications(options.publications),
        logger,
      });
    }
    this.pruner = new InboxPruner(pool, options.inboxRetentionHours ?? DEFAULT_INBOX_RETENTION_HOURS, logger);
  }

  /** See `EventTransport.whenPublished`: what this process appended up to `position` is on its way to consumers. */
  whenPublished(position: LogPosition, timeoutMs: number): Promise<boolean> {
    return this.transport.whenPublished(position, timeoutMs);
  }

  /** Registers a consumer; it starts with the application (or at once if already started). */
  async consume(definition: ConsumerDefinition): Promise<void> {
    this.definitions.push(definition);
    if (this.started) await this.startConsumer(definition);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    if (this.kafka && this.options.publications.length > 0) {
      await this.kafka.startRelay({
        name: `${this.options.service}.relay`,
        pool: this.pool,
        notifications: this.notifications,
        publication: combinePublications(this.options.publications),
        topics: this.options.publishedTopics,
      });
    }
    for (const definition of this.definitions) await this.startConsumer(definition);
    if (this.definitions.length > 0) this.pruner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pruner.stop();
    await this.transport.close();
    await this.notifications.close();
    // The pool goes last: consumers and the relay have finished their in-flight transactions.
    await this.pool.end().catch(() => undefined);
  }

  private deadLetterSink(): DeadLetterSink {
    return this.kafka ? this.kafka.deadLetterSink() : new TableDeadLetterSink();
  }

  private async startConsumer(definition: ConsumerDefinition): Promise<void> {
    const consumer = new InboxConsumer({
      name: definition.name,
      pool: this.pool,
      contracts: this.contracts,
      handlers: definition.handlers,
      deadLetters: this.deadLetterSink(),
      maxAttempts: definition.maxAttempts,
      logger: this.logger,
    });
    await this.transport.subscribe(consumer, definition.topics);
  }
}
