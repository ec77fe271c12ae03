import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from '@lapse/shared/transport/kafkajs/client';
import { TOPICS } from '@lapse/shared/contracts/topics';
import { CliError, type CliIo, EXIT, usageError } from './io';

/** The topics any consumer may read (the restricted ones carry credential material). */
export const PUBLIC_TOPICS: readonly string[] = [TOPICS.directoryUsers, TOPICS.notifierDeliveries];

export interface TailedEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly eventType: string | null;
  readonly eventId: string | null;
  readonly occurredAt: string | null;
  readonly correlationId: string | null;
  readonly payload: unknown;
}

/**
 * Prints the public topics' events as they arrive, with a consumer group of its own (`lapse-cli-<random>`,
 * so no service's offsets move, and none are committed for it), from now or `--from-beginning`; stops when
 * `signal` aborts (Ctrl-C), or after `max` events.
 */
export async function tailEvents(
  io: CliIo,
  options: {
    topics: readonly string[];
    fromBeginning: boolean;
    max: number;
    json: boolean;
    signal?: AbortSignal;
  },
): Promise<number> {
  const unknown = options.topics.filter((topic) => !PUBLIC_TOPICS.includes(topic));
  if (unknown.length) {
    throw usageError(
      `not a public topic: ${unknown.join(', ')} (public topics: ${PUBLIC_TOPICS.join(', ')})`,
    );
  }
  const brokers = (io.env.KAFKA_BROKERS ?? 'localhost:9092').split(',').map((broker) => broker.trim());
  const kafka = new Kafka({
    clientId: 'lapse-cli',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    connectionTimeout: 5_000,
  });
  const consumer = kafka.consumer({ groupId: `lapse-cli-${randomBytes(6).toString('hex')}` });
  let count = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  options.signal?.addEventListener('abort', () => finish(), { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
  } catch (error) {
    await consumer.disconnect().catch(() => {});
    throw new CliError(
      `cannot connect to Kafka at ${brokers.join(',')}: ${(error as Error).message}`,
      EXIT.connect,
    );
  }
  await consumer.run({
    // The group is thrown away: no offsets are kept for it.
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (count >= options.max) return;
      count += 1;
      const header = (name: string) => message.headers?.[name]?.toString() ?? null;
      const text = message.value?.toString() ?? '';
      let payload: unknown = text;
      try {
        payload = JSON.parse(text);
      } catch {
        // kept as text: a record that is not JSON is shown as it is
      }
      const event: TailedEvent = {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        eventType: header('event-type'),
        eventId: header('event-id'),
        occurredAt: header('occurred-at'),
        correlationId: header('correlation-id'),
        payload,
      };
      io.stdout.write(
        options.json
          ? `${JSON.stringify(event)}\n`
          : `${event.occurredAt ?? '-'}  ${event.eventType ?? '-'}  ${event.key ?? '-'}  ${JSON.stringify(payload)}\n`,
      );
      if (count >= options.max) finish();
    },
  });
  try {
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return count;
}
