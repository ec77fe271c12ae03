import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import {
  type Clock,
  createPool,
  directCommandBus,
  EventStoreProvider,
  DIRECTORY_EVENT_TYPES,
  InboxConsumer,
  type InboundMessage,
  type ConsumerHandler,
  type OutboundMessage,
  PostgresEventStore,
  publishedContracts,
  silentLogger,
  type TemporaryPasswordDeliveryRequestedV1,
  TOPICS,
  uuidSource,
} from '@lapse/shared';
import { saveCheckpoint } from '@lapse/shared/messaging/checkpoints';
import { TableDeadLetterSink } from '@lapse/shared/messaging/dead-letter';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { SmtpEmailSender } from '../channels/email/smtp-email.sender';
import { VoiceWebhookSender } from '../channels/voice/voice-webhook.sender';
import { DeliveryStream } from '../delivery/delivery.stream';
import { DeliveryWorker } from '../delivery/delivery.worker';
import { deliveryStreamId } from '../delivery/domain/delivery.events';
import { DELIVERY_CONSUMER } from '../delivery/park-failed-delivery';
import { RateLimiter } from '../delivery/rate-limiter';
import { scheduleDeliveryWhenRequested } from '../delivery/schedule-delivery-when-requested.handler';
import { generatePrivateJwk, KeyRing } from '../keys/key-ring';
import { notifierManifest } from '../notifier.manifest';
import { notifierPublication } from '../notifier.publication';
import { RevealTemporaryPassword } from '../reveal/reveal-temporary-password';
import { sealForNotifier } from './seal';

/** A clock the test moves by hand (retries and expiry without waiting). */
export class TestClock implements Clock {
  constructor(private current = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface HarnessOptions {
  readonly smtpUrl: string;
  readonly requireTls?: boolean;
  readonly emailMode?: 'LINK' | 'INLINE';
  readonly voice?: { url: string; secret: string } | null;
  readonly maxAttempts?: number;
  readonly ratePerSecond?: number;
  readonly databaseUrl?: string;
  /** The worker's lanes (default 1) and idle poll interval (default 50 ms), for specs of the worker itself. */
  readonly lanes?: number;
  readonly pollMs?: number;
}

/**
 * The notifier's consumer and worker on a real database, a real inbox and a real SMTP server, without
 * the HTTP app: the request goes in as a message, what was sent comes out of maildev and the event store.
 */
export class DeliveryHarness {
  readonly clock = new TestClock();
  private position = 0;

  private constructor(
    readonly pool: Pool,
    readonly store: PostgresEventStore,
    readonly keys: KeyRing,
    readonly worker: DeliveryWorker,
    readonly consumer: InboxConsumer,
    readonly reveals: RevealTemporaryPassword,
    private readonly email: SmtpEmailSender,
  ) {}

  static async start(
    options: HarnessOptions,
    extraHandlers: Record<string, ConsumerHandler> = {},
  ): Promise<DeliveryHarness> {
    const databaseUrl =
      options.databaseUrl ?? (await createTestDatabase(notifierManifest.migrations, 'notifier'));
    const pool = createPool(databaseUrl, 10);
    const store = new PostgresEventStore(pool);
    const keys = await KeyRing.fromJwks([await generatePrivateJwk()]);
    const holder: { clock?: TestClock } = {};
    const clock: Clock = { now: () => (holder.clock as TestClock).now() };
    const events = new EventStoreProvider(pool, clock, uuidSource);
    const stream = new DeliveryStream(events, directCommandBus(events));
    const email = new SmtpEmailSender({
      url: options.smtpUrl,
      requireTls: options.requireTls ?? false,
      from: 'Lapse <no-reply@lapse.test>',
      maxConnections: 2,
    });
    const voice = options.voice ? new VoiceWebhookSender({ ...options.voice, timeoutMs: 2000 }) : null;
    const worker = new DeliveryWorker({
      pool,
      stream,
      keys,
      email,
      voice,
      rateLimiter: new RateLimiter(options.ratePerSecond ?? 1000),
      clock,
      logger: silentLogger,
      retry: { maxAttempts: options.maxAttempts ?? 3, baseMs: 1000, maxMs: 60_000 },
      publicUrl: 'http://lapse.test',
      concurrency: options.lanes ?? 1,
      pollMs: options.pollMs ?? 50,
      sweepMs: 60_000,
    });
    const consumer = new InboxConsumer({
      name: DELIVERY_CONSUMER,
      pool,
      contracts: publishedContracts(),
      handlers: {
        [DIRECTORY_EVENT_TYPES.TemporaryPasswordDeliveryRequested]: scheduleDeliveryWhenRequested({
          keys,
          stream,
          clock,
          logger: silentLogger,
          emailMode: options.emailMode ?? 'LINK',
          voiceAllowed: Boolean(options.voice),
        }),
        ...extraHandlers,
      },
      deadLetters: new TableDeadLetterSink(),
      maxAttempts: 2,
      backoffMs: 1,
    });
    const harness = new DeliveryHarness(
      pool,
      store,
      keys,
      worker,
      consumer,
      new RevealTemporaryPassword(pool, stream, keys, clock),
      email,
    );
    holder.clock = harness.clock;
    return harness;
  }

  /** A delivery request as directory would publish it, sealed for our current key unless `sealed` is given. */
  async request(
    overrides: Partial<TemporaryPasswordDeliveryRequestedV1> & {
      tempPassword?: string;
      sealed?: string;
    } = {},
  ): Promise<TemporaryPasswordDeliveryRequestedV1 & { tempPassword: string }> {
    const deliveryId = overrides.deliveryId ?? randomUUID();
    const userId = overrides.userId ?? randomUUID();
    const tempPassword = overrides.tempPassword ?? `Tmp-${randomUUID().slice(0, 8)}-Zq9!`;
    const expiresAt =
      overrides.expiresAt ?? new Date(this.clock.now().getTime() + 24 * 3600_000).toISOString();
    const sealed =
      overrides.sealed ??
      (await sealForNotifier(this.keys.jwks().keys[0], { tempPassword, userId, deliveryId, expiresAt }));
    return {
      deliveryId,
      userId,
      login: overrides.login ?? `${userId.slice(0, 8)}@example.com`,
      email: overrides.email === undefined ? `${userId.slice(0, 8)}@example.com` : overrides.email,
      mobilePhone: overrides.mobilePhone ?? null,
      firstName: overrides.firstName ?? 'Ada',
      channel: overrides.channel ?? 'AUTO',
      sealedPassword: sealed,
      kid: this.keys.currentKid(),
      expiresAt,
      tempPassword,
    };
  }

  /** Delivers one message to the consumer, as the transport would (same event id = a redelivery). */
  async deliver(
    payload: object,
    options: { eventId?: string; eventType?: string; topic?: string } = {},
  ): Promise<string> {
    const eventId = options.eventId ?? randomUUID();
    this.position += 1;
    const { tempPassword: _secret, ...published } = payload as { tempPassword?: string };
    const message: InboundMessage = {
      topic: options.topic ?? TOPICS.directoryDeliveries,
      key: (published as { userId?: string }).userId ?? 'key',
      headers: {
        eventId,
        eventType: options.eventType ?? DIRECTORY_EVENT_TYPES.TemporaryPasswordDeliveryRequested,
        schemaVersion: 1,
        correlationId: `corr-${eventId}`,
        causationId: null,
        actor: 'admin:test',
        occurredAt: this.clock.now().toISOString(),
      },
      payload: published,
      source: { kind: 'log', transactionId: '1', globalPosition: String(this.position) },
    };
    const position = String(this.position);
    await this.consumer.process([message], (tx) => saveCheckpoint(tx, DELIVERY_CONSUMER, 'test', position));
    return eventId;
  }

  /** What the notifier published about a delivery (its contracts, through the real publication). */
  async published(deliveryId: string): Promise<OutboundMessage[]> {
    const events = await this.store.readStream(deliveryStreamId(deliveryId));
    return events.flatMap(notifierPublication);
  }

  async eventTypes(deliveryId: string): Promise<string[]> {
    return (await this.store.readStream(deliveryStreamId(deliveryId))).map((event) => event.type);
  }

  async job(
    jobId: string,
  ): Promise<{ status: string; attempts: number; last_error: string | null } | undefined> {
    const { rows } = await this.pool.query<{ status: string; attempts: number; last_error: string | null }>(
      'SELECT status, attempts, last_error FROM notifier_delivery_jobs WHERE job_id = $1',
      [jobId],
    );
    return rows[0];
  }

  async count(sql: string, values: unknown[] = []): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) AS q`, values);
    return Number(rows[0].n);
  }

  async close(): Promise<void> {
    this.consumer.stop();
    await this.worker.stop();
    this.email.close();
    await this.pool.end();
  }
}
