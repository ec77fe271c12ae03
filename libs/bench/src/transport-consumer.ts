import 'reflect-metadata';
import { createPool } from '@lapse/shared/database/pg';
import { PostgresEventStore } from '@lapse/shared/event-store/event-store';
import { ContractRegistry } from '@lapse/shared/messaging/contract-registry';
import { TableDeadLetterSink } from '@lapse/shared/messaging/dead-letter';
import { InboxConsumer } from '@lapse/shared/messaging/inbox-consumer';
import { headersOf } from '@lapse/shared/messaging/message';
import { EmbeddedTransport } from '@lapse/shared/transport/embedded.transport';
import { KafkaTransport } from '@lapse/shared/transport/kafka.transport';
import { LogNotifications } from '@lapse/shared/transport/log-notifications';
import type { EventTransport } from '@lapse/shared/transport/transport.port';
import { type ConsumerMarks, epochMs, timedReads } from './transport.bench';

/**
 * The consuming side of the transport benchmark, in its own process as a consuming service is in
 * production: subscribes with an inbox and reports each committed batch (event ids, commit time as epoch
 * milliseconds) to the parent over IPC. With BENCH_STAGES=1 it also reports its clock marks of each event
 * (transport.bench.ts, `stagesMs`): Kafka, when its batch reached the consumer and when the handler started;
 * embedded, its read from the log (start and end) and the handler's start.
 */
async function main(): Promise<void> {
  const kind = process.env.BENCH_KIND === 'kafka' ? 'kafka' : 'embedded';
  const topic = process.env.BENCH_TOPIC as string;
  const consumerUrl = process.env.BENCH_CONSUMER_URL as string;
  const pool = createPool(consumerUrl, 10);
  const stages = process.env.BENCH_STAGES === '1' ? new Map<string, ConsumerMarks>() : null;
  const marksOf = (id: string | undefined): ConsumerMarks | undefined => {
    if (!stages || id === undefined) return undefined;
    const marks = stages.get(id) ?? [];
    stages.set(id, marks);
    return marks;
  };
  let transport: EventTransport;
  let notifications: LogNotifications | null = null;
  let deadLetters: TableDeadLetterSink | ReturnType<KafkaTransport['deadLetterSink']> =
    new TableDeadLetterSink();
  if (kind === 'kafka') {
    const kafka = new KafkaTransport({
      brokers: (process.env.BENCH_BROKERS as string).split(','),
      clientId: 'bench-consumer',
      onFetched: stages
        ? (messages, at) => {
            for (const message of messages) marksOf(message.headers.eventId)?.push(at);
          }
        : undefined,
    });
    deadLetters = kafka.deadLetterSink();
    transport = kafka;
  } else {
    notifications = new LogNotifications(consumerUrl);
    const store = new PostgresEventStore(pool);
    transport = new EmbeddedTransport({
      pool,
      store: stages
        ? timedReads(store, (events, startedAt, endedAt) => {
            for (const event of events) marksOf(event.metadata.eventId)?.push(startedAt, endedAt);
          })
        : store,
      notifications,
      batchSize: 2000,
      publication: (event) => [
        { topic, key: event.streamId, headers: headersOf(event), payload: event.data },
      ],
    });
  }
  const send = (message: object) => process.send?.(message);
  await transport.subscribe(
    new InboxConsumer({
      name: `bench-${topic}`,
      pool,
      contracts: new ContractRegistry().register('Ticked', 1),
      handlers: {
        Ticked: async (message) => {
          marksOf(message.headers.eventId)?.push(epochMs());
        },
      },
      deadLetters,
      onCommitted: (messages) => {
        const at = epochMs();
        const ids = messages.map((m) => m.headers.eventId);
        if (!stages) return send({ ids, at });
        send({ ids, at, marks: ids.map((id) => stages.get(id) ?? []) });
        for (const id of ids) stages.delete(id);
      },
    }),
    [topic],
  );
  send({ ready: true });
  process.on('message', async (message: { stop?: boolean }) => {
    if (!message.stop) return;
    await transport.close();
    await notifications?.close();
    await pool.end();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`bench consumer failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
