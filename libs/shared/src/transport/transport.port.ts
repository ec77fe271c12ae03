import type { LogPosition } from '../event-sourcing/event';
import type { InboxConsumer } from '../messaging/inbox-consumer';

export const EVENT_TRANSPORT = Symbol('EVENT_TRANSPORT');

/**
 * How published messages travel from a publisher's event log to consumers. Two adapters:
 * `EmbeddedTransport` (consumers read the PostgreSQL log directly) and `KafkaTransport` (a relay
 * publishes the log to Kafka topics; consumers read Kafka). Both give at-least-once delivery in per-key
 * order; the inbox turns that into exactly-once effect.
 */
export interface EventTransport {
  readonly kind: 'embedded' | 'kafka';
  /** Starts delivering `topics` to the consumer; resolves once it is running. */
  subscribe(consumer: InboxConsumer, topics: readonly string[]): Promise<void>;
  /**
   * Resolves true once what this process's event log holds up to `position` has reached consumers' reach:
   * on Kafka, when Kafka acknowledged it from this process's relay (at once without a relay); on the
   * embedded transport, once every consumer of this process has taken it (applied it, or passed it by as
   * none of its topics; at once without a consumer). False if that took longer than `timeoutMs`.
   */
  whenPublished(position: LogPosition, timeoutMs: number): Promise<boolean>;
  /** Stops consumers and the relay after their in-flight work, then disconnects. */
  close(): Promise<void>;
}
