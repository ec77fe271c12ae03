import type { Kafka, Message, Producer } from './kafkajs/client';
import type { OutboundMessage } from '../messaging/message';
import { JavaCompatiblePartitioner } from './java-compatible-partitioner';
import { stringHeaders } from './kafka-message-headers';

/**
 * The one producer a transport shares between its relays and its dead-letter sink, connected on first
 * use. Every send waits for all in-sync replicas (`acks: -1`).
 */
export class KafkaProducer {
  private producer: Producer | null = null;

  constructor(private readonly kafka: Kafka) {}

  /** Produces a relay batch: one request for every topic of the batch. */
  async produce(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic);
      if (list) list.push(message);
      else byTopic.set(message.topic, [message]);
    }
    const producer = await this.connected();
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((message) => ({
          key: message.key,
          value: JSON.stringify(message.payload),
          headers: stringHeaders(message.headers),
        })),
      })),
    });
  }

  /** Puts records on one topic as they are (dead letters, and raw bytes in tests). */
  async send(topic: string, messages: Message[]): Promise<void> {
    const producer = await this.connected();
    await producer.send({ topic, acks: -1, messages });
  }

  async connected(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        allowAutoTopicCreation: false,
        maxInFlightRequests: 1,
        idempotent: false,
        createPartitioner: JavaCompatiblePartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }
}
