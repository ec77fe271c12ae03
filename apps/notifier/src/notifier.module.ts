import {
  type DynamicModule,
  type INestApplicationContext,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DeliveryMetrics } from './metrics/delivery.metrics';
import { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import {
  CLOCK,
  type Clock,
  DIRECTORY_EVENT_TYPES,
  EventStoreProvider,
  LOGGER,
  type Logger,
  MessagingService,
  PG_POOL,
  TOPICS,
} from '@lapse/shared';
import { ReadinessChecks } from '@lapse/shared/health/readiness';
import { type VoiceSender, VoiceWebhookSender } from './channels/voice/voice-webhook.sender';
import { DeliveryStream } from './delivery/delivery.stream';
import { DeliveryWorker } from './delivery/delivery.worker';
import { DELIVERY_CONSUMER } from './delivery/park-failed-delivery';
import { RateLimiter } from './delivery/rate-limiter';
import { scheduleDeliveryWhenRequested } from './delivery/schedule-delivery-when-requested.handler';
import { JwksHttpController } from './keys/jwks.http.controller';
import { KeyRing } from './keys/key-ring';
import { type MailChannel, openMailChannel } from './mail-capture/mail-channel';
import {
  projectContactWhenProfileUpdated,
  projectContactWhenUserCreated,
} from './notices/contacts.projection';
import { ExpiryReminders } from './notices/expiry-reminders';
import {
  projectExemptionChanged,
  projectPasswordChanged,
  projectPolicyUpdated,
  projectGroupDeleted,
  projectGroupMembership,
  projectGroupPasswordPolicyChanged,
  projectGroupPasswordPolicyDeleted,
  projectStatusChanged,
} from './notices/password-ages.projection';
import {
  queueNoticeWhenPasswordExpired,
  whenPasswordExpired,
} from './notices/queue-notice-when-password-expired.handler';
import type { NotifierConfig } from './notifier.config';
import { MAIL_CHANNEL, NOTIFIER_CONFIG, VOICE_SENDER } from './notifier.tokens';
import { ResetLinkEmailOutcomes } from './reset-link/reset-link-emails';
import { scheduleResetLinkEmailWhenRequested } from './reset-link/schedule-reset-link-email-when-requested.handler';
import { RevealHttpController } from './reveal/reveal.http.controller';
import { RevealTemporaryPassword } from './reveal/reveal-temporary-password';

export const CONTACTS_CONSUMER = 'notifier.contacts';

/** Lines the hosting process prints at start (the embedded mail capture server's address). */
export function notifierStartLines(app: INestApplicationContext): string[] {
  return [...app.get<MailChannel>(MAIL_CHANNEL).lines];
}

/** Registers the notifier's consumers, runs the delivery worker, and closes the mail channel on shutdown. */
@Injectable()
export class NotifierLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    @Inject(MessagingService) private readonly messaging: MessagingService,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
    @Inject(KeyRing) private readonly keys: KeyRing,
    @Inject(DeliveryStream) private readonly stream: DeliveryStream,
    @Inject(ResetLinkEmailOutcomes) private readonly resetLinkOutcomes: ResetLinkEmailOutcomes,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
    @Inject(ExpiryReminders) private readonly reminders: ExpiryReminders,
    @Inject(MAIL_CHANNEL) private readonly mail: MailChannel,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const voiceAllowed = this.config.voice.enabled && Boolean(this.config.voice.webhookUrl);
    await this.messaging.consume({
      name: DELIVERY_CONSUMER,
      topics: [TOPICS.directoryDeliveries],
      handlers: {
        [DIRECTORY_EVENT_TYPES.TemporaryPasswordDeliveryRequested]: scheduleDeliveryWhenRequested({
          keys: this.keys,
          stream: this.stream,
          clock: this.clock,
          logger: this.logger.child({ module: 'notifier' }),
          emailMode: this.config.mailMode === 'inline' ? 'INLINE' : 'LINK',
          voiceAllowed,
        }),
        [DIRECTORY_EVENT_TYPES.PasswordResetEmailRequested]: scheduleResetLinkEmailWhenRequested({
          keys: this.keys,
          outcomes: this.resetLinkOutcomes,
          clock: this.clock,
          logger: this.logger.child({ module: 'notifier' }),
        }),
      },
    });
    await this.messaging.consume({
      name: CONTACTS_CONSUMER,
      topics: [TOPICS.directoryUsers],
      handlers: {
        [DIRECTORY_EVENT_TYPES.UserCreated]: projectContactWhenUserCreated,
        [DIRECTORY_EVENT_TYPES.UserProfileUpdated]: projectContactWhenProfileUpdated,
        [DIRECTORY_EVENT_TYPES.PasswordChanged]: projectPasswordChanged,
        [DIRECTORY_EVENT_TYPES.UserStatusChanged]: projectStatusChanged,
        [DIRECTORY_EVENT_TYPES.PasswordAgeExemptionChanged]: projectExemptionChanged,
        [DIRECTORY_EVENT_TYPES.PasswordPolicyUpdated]: projectPolicyUpdated,
        [DIRECTORY_EVENT_TYPES.UserAddedToGroup]: projectGroupMembership(true),
        [DIRECTORY_EVENT_TYPES.UserRemovedFromGroup]: projectGroupMembership(false),
        [DIRECTORY_EVENT_TYPES.GroupDeleted]: projectGroupDeleted,
        [DIRECTORY_EVENT_TYPES.GroupPasswordPolicyChanged]: projectGroupPasswordPolicyChanged,
        [DIRECTORY_EVENT_TYPES.GroupPasswordPolicyDeleted]: projectGroupPasswordPolicyDeleted,
        [DIRECTORY_EVENT_TYPES.PasswordExpired]: whenPasswordExpired(
          this.config.notifyOnAdminExpiry ? queueNoticeWhenPasswordExpired(this.clock) : null,
        ),
      },
    });
    this.readiness.add('notifier', async () => ({
      ready: true,
      details: { currentKid: this.keys.currentKid() },
    }));
  }

  onApplicationBootstrap(): void {
    if (this.config.delivery.workerEnabled) this.worker.start();
    this.reminders.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.reminders.stop();
    await this.worker.stop();
    await this.mail.close();
  }
}

@Module({})
export class NotifierModule {
  static register(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      controllers: [JwksHttpController, RevealHttpController],
      providers: [
        DeliveryMetrics,
        { provide: NOTIFIER_CONFIG, useValue: config },
        {
          provide: KeyRing,
          inject: [CLOCK],
          useFactory: (clock: Clock) => KeyRing.load({ ...config.keys, now: clock.now() }),
        },
        {
          provide: DeliveryStream,
          inject: [EventStoreProvider, CommandBus],
          useFactory: (events: EventStoreProvider, commandBus: CommandBus) =>
            new DeliveryStream(events, commandBus),
        },
        {
          provide: MAIL_CHANNEL,
          inject: [LOGGER],
          useFactory: (logger: Logger) => openMailChannel(config, logger.child({ module: 'notifier' })),
        },
        {
          provide: VOICE_SENDER,
          useFactory: (): VoiceSender | null =>
            config.voice.webhookUrl && config.voice.webhookSecret
              ? new VoiceWebhookSender({
                  url: config.voice.webhookUrl,
                  secret: config.voice.webhookSecret,
                  timeoutMs: config.voice.timeoutMs,
                })
              : null,
        },
        {
          provide: ResetLinkEmailOutcomes,
          inject: [CommandBus],
          useFactory: (commandBus: CommandBus) => new ResetLinkEmailOutcomes(commandBus),
        },
        {
          provide: DeliveryWorker,
          inject: [
            PG_POOL,
            DeliveryStream,
            ResetLinkEmailOutcomes,
            KeyRing,
            MAIL_CHANNEL,
            VOICE_SENDER,
            CLOCK,
            LOGGER,
          ],
          useFactory: (
            pool: Pool,
            stream: DeliveryStream,
            resetLinkOutcomes: ResetLinkEmailOutcomes,
            keys: KeyRing,
            mail: MailChannel,
            voice: VoiceSender | null,
            clock: Clock,
            logger: Logger,
          ) =>
            new DeliveryWorker({
              pool,
              stream,
              resetLinkOutcomes,
              keys,
              email: mail.sender,
              voice,
              rateLimiter: new RateLimiter(config.delivery.ratePerSecond),
              clock,
              logger: logger.child({ module: 'notifier' }),
              retry: {
                maxAttempts: config.delivery.maxAttempts,
                baseMs: config.delivery.retryBaseMs,
                maxMs: config.delivery.retryMaxMs,
              },
              publicUrl: config.base.publicUrl,
              concurrency: config.delivery.concurrency,
              pollMs: config.delivery.pollMs,
              sweepMs: config.delivery.sweepMs,
            }),
        },
        {
          provide: ExpiryReminders,
          inject: [PG_POOL, CLOCK, LOGGER],
          useFactory: (pool: Pool, clock: Clock, logger: Logger) =>
            new ExpiryReminders({
              pool,
              clock,
              logger: logger.child({ module: 'notifier' }),
              voiceEnabled: config.voice.enabled && Boolean(config.voice.webhookUrl),
              intervalSeconds: config.reminderScanIntervalSeconds,
            }),
        },
        {
          provide: RevealTemporaryPassword,
          inject: [PG_POOL, DeliveryStream, KeyRing, CLOCK],
          useFactory: (pool: Pool, stream: DeliveryStream, keys: KeyRing, clock: Clock) =>
            new RevealTemporaryPassword(pool, stream, keys, clock),
        },
        NotifierLifecycle,
      ],
    };
  }
}
