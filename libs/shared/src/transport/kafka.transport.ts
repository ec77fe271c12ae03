import { Kafka, logLevel } from './kafkajs/client';
import type { LogPosition } from '../event-sourcing/event';
import { type Logger, silentLogger } from '../logging/logger';
import type { DeadLetterSink } from '../messaging/dead-letter';
import type { InboxConsumer } from '../messaging/inbox-consumer';
import { type FetchedHook, type RunningConsumer, startKafkaConsumer } from './kafka-consumer';
import { kafkaDeadLetterSink } from './kafka-dead-letter-sink';
import { KafkaProducer } from './kafka-producer';
import { type Relay, type RelayOptions, startKafkaRelay } from './kafka-relay';
import { KafkaTopicAdmin } from './kafka-topic-admin';
import { installKafkajsDropIns } from './kafkajs/install';
import { PublicationProgress } from './publication-progress';
import type { EventTransport } from './transport.port';

export { DEAD_LETTER_TOPIC } from './kafka-topic-admin';
export type { Relay, RelayOptions } from './kafka-relay';

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Partitions for topics this transport creates. */
  readonly partitions?: number;
  readonly logger?: Logger;
  /** For benchmarks only: each fetched partition batch as it reaches the consumer (see FetchedHook). */
  readonly onFetched?: FetchedHook;
}

/**
 * Microservices mode. A relay tails the publisher's event log and produces each published message to its
 * topic (key = stream id; headers event-id, event-type, schema-version, correlation-id, …), checkpointing
 * only after Kafka acknowledged the batch. Consumers read their topics with a consumer group named after
 * the consumer and hand partition batches to the inbox.
 *
 * The adapter composes one part per job: topic admin (KafkaTopicAdmin), the shared producer
 * (KafkaProducer), relays (startKafkaRelay), consumer loops (startKafkaConsumer, with their offset
 * commits in KafkaOffsetCommits) and dead letters (kafkaDeadLetterSink).
 */
export class KafkaTransport implements EventTransport {
  readonly kind = 'kafka' as const;
  private readonly topics: KafkaTopicAdmin;
  private readonly kafka: Kafka;
  private readonly producer: KafkaProducer;
  private readonly consumers: RunningConsumer[] = [];
  private readonly relays: Relay[] = [];
  private readonly progress = new PublicationProgress();
  private readonly logger: Logger;

  constructor(private readonly options: KafkaTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    if (!installKafkajsDropIns())
      this.logger.warn(
        { kafkajs: require('kafkajs/package.json').version },
        'kafkajs runs without some of its drop-ins (another version, or loaded before ./kafkajs/client)',
      );
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100 },
    });
    this.topics = new KafkaTopicAdmin(this.kafka, this.partitions());
    this.producer = new KafkaProducer(this.kafka);
  }

  /**
   * Creates missing topics and waits until every partition has a leader. Several services may race to
   * create the same topics at start: "already exists" is fine, a topic without leaders yet is waited for.
   */
  ensureTopics(topics: readonly string[]): Promise<void> {
    return this.topics.ensureTopics(topics);
  }

  /**
   * Starts publishing the event log of `options.pool` to Kafka. The relay produces a batch, and once Kafka
   * acknowledged it goes on with the next one while the checkpoint is written behind it (RelayCheckpoint).
   */
  async startRelay(options: RelayOptions): Promise<Relay> {
    await this.ensureTopics(options.topics);
    const relay = await startKafkaRelay(options, this.producer, this.progress, this.logger);
    this.relays.push(relay);
    return relay;
  }

  async subscribe(inbox: InboxConsumer, topics: readonly string[]): Promise<void> {
    await this.ensureTopics(topics);
    // A broker that has just created or moved a partition may refuse the first requests with a retriable
    // error; the consumer is built again rather than failing the service's start.
    for (let attempt = 1; ; attempt++) {
      try {
        this.consumers.push(
          await startKafkaConsumer(
            this.kafka,
            inbox,
            topics,
            this.partitions(),
            this.logger,
            this.options.onFetched,
          ),
        );
        return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 5) throw error;
        this.logger.warn({ consumer: inbox.name, attempt, err: String(error) }, 'consumer start retried');
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  /** A dead-letter sink that parks in the consumer's table and on the dead-letter topic. */
  deadLetterSink(): DeadLetterSink {
    return kafkaDeadLetterSink(this.producer);
  }

  /** When this process's relays have had Kafka acknowledge the log up to `position` (see EventTransport). */
  whenPublished(position: LogPosition, timeoutMs: number): Promise<boolean> {
    return this.progress.whenPublished(position, timeoutMs);
  }

  /** For tests: puts raw bytes on a topic, bypassing the relay. */
  async produceRaw(
    topic: string,
    key: string,
    value: string,
    headers: Record<string, string>,
  ): Promise<void> {
    await this.producer.send(topic, [{ key, value, headers }]);
  }

  async close(): Promise<void> {
    for (const { inbox } of this.consumers) inbox.stop();
    await Promise.all(
      this.relays.map((relay) =>
        relay
          .stop()
          .catch((error) => this.logger.warn({ err: String(error) }, 'relay stopped without its checkpoint')),
      ),
    );
    await Promise.all(this.consumers.map((consumer) => consumer.close()));
    this.consumers.length = 0;
    this.relays.length = 0;
    await this.producer.disconnect();
  }

  private partitions(): number {
    return this.options.partitions ?? 6;
  }
}
