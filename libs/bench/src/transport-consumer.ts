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

/**
 * The consuming side of the transport benchmark, in its own process as a consuming service is in
 * production: subscribes with an inbox and reports each committed batch (event ids, commit time as epoch
 * milliseconds) to the parent over IPC.
 */
async function main(): Promise<void> {
  const kind = process.env.BENCH_KIND === 'kafka' ? 'kafka' : 'embedded';
  const topic = process.env.BENCH_TOPIC as string;
  const consumerUrl = process.env.BENCH_CONSUMER_URL as string;
  const pool = createPool(consumerUrl, 10);
  let transport: EventTransport;
  let notifications: LogNotifications | null = null;
  let deadLetters: TableDeadLetterSink | ReturnType<KafkaTransport['deadLetterSink']> =
    new TableDeadLetterSink();
  if (kind === 'kafka') {
    const kafka = new KafkaTransport({
      brokers: (process.env.BENCH_BROKERS as string).split(','),
      clientId: 'bench-consumer',
    });
    deadLetters = kafka.deadLetterSink();
    transport = kafka;
  } else {
    notifications = new LogNotifications(consumerUrl);
    transport = new EmbeddedTransport({
      pool,
      store: new PostgresEventStore(pool),
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
      handlers: { Ticked: async () => undefined },
      deadLetters,
      onCommitted: (messages) =>
        send({ ids: messages.map((m) => m.headers.eventId), at: performance.timeOrigin + performance.now() }),
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
