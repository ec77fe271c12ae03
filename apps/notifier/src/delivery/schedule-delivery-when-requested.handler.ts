import type {
  Clock,
  ConsumedMessage,
  Logger,
  MessageHandler,
  TemporaryPasswordDeliveryRequestedV1,
} from '@lapse/shared';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import { openSealedPassword } from '../keys/sealed-password';
import { deliveryJobs } from './delivery-jobs.repository';
import { type DeliveryStream, NOTIFIER_ACTOR } from './delivery.stream';
import type { RequestedChannel } from './domain/choose-channel';
import type { DeliveryMode } from './domain/delivery.events';
import { DELIVERY_CONSUMER, parkFailedDelivery } from './park-failed-delivery';

export interface ScheduleDeliveryDependencies {
  readonly keys: KeyRing;
  readonly stream: DeliveryStream;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly emailMode: DeliveryMode;
  /** The org allows voice and a provider is configured. */
  readonly voiceAllowed: boolean;
}

const CHANNELS: readonly RequestedChannel[] = ['AUTO', 'EMAIL', 'VOICE'];

/**
 * `TemporaryPasswordDeliveryRequested` → a delivery job, recorded in the inbox transaction (so a
 * redelivered event never records a second one). Nothing is sent here: the worker sends. The envelope is
 * opened once to prove it is ours and untampered, and the plaintext is dropped at once; an envelope that
 * does not open is parked in the dead letters and the delivery fails with ENVELOPE_UNREADABLE.
 */
export function scheduleDeliveryWhenRequested(deps: ScheduleDeliveryDependencies): MessageHandler {
  return async (message: ConsumedMessage, tx) => {
    const request = message.payload as TemporaryPasswordDeliveryRequestedV1;
    const now = deps.clock.now();
    let envelope: { readable: true; expiresAt: string } | { readable: false; detail: string };
    try {
      const contents = await openSealedPassword(deps.keys, request.sealedPassword, request);
      envelope = { readable: true, expiresAt: contents.expiresAt };
    } catch (error) {
      if (!(error instanceof EnvelopeUnreadableError)) throw error;
      envelope = { readable: false, detail: error.reason };
    }
    const expiresAt =
      validInstant(envelope.readable ? envelope.expiresAt : request.expiresAt) ?? now.toISOString();
    const requested = CHANNELS.includes(request.channel) ? request.channel : 'AUTO';
    const context = {
      actor: NOTIFIER_ACTOR,
      correlationId: message.headers.correlationId,
      causationId: message.headers.eventId,
    };
    const events = await deps.stream.handle(
      request.deliveryId,
      {
        type: 'ScheduleDelivery',
        deliveryId: request.deliveryId,
        userId: request.userId,
        requested,
        reach: {
          hasEmail: Boolean(request.email),
          hasPhone: Boolean(request.mobilePhone),
          voiceAllowed: deps.voiceAllowed,
        },
        emailMode: deps.emailMode,
        envelope: envelope.readable ? { readable: true } : { readable: false, detail: envelope.detail },
        expiresAt,
        now: now.toISOString(),
      },
      context,
      tx,
    );
    if (!envelope.readable) {
      await parkFailedDelivery(tx, {
        consumer: DELIVERY_CONSUMER,
        userId: request.userId,
        eventId: message.headers.eventId,
        eventType: message.headers.eventType,
        payload: { ...request, sealedPassword: '[REDACTED]' },
        reason: `ENVELOPE_UNREADABLE: ${envelope.detail}`,
        attempts: 1,
      });
    }
    for (const event of events) {
      if (event.type === 'DeliveryScheduled') {
        const recipient = event.data.channel === 'EMAIL' ? request.email : request.mobilePhone;
        await deliveryJobs.insert(tx, {
          jobId: request.deliveryId,
          kind: 'TEMPORARY_PASSWORD',
          userId: request.userId,
          channel: event.data.channel,
          mode: event.data.mode,
          recipient: recipient as string,
          login: request.login ?? null,
          firstName: request.firstName ?? null,
          expiresAt: new Date(expiresAt),
          correlationId: context.correlationId,
          causationId: context.causationId,
          notBefore: now,
        });
        await deliveryJobs.storeSealed(tx, {
          deliveryId: request.deliveryId,
          userId: request.userId,
          sealed: request.sealedPassword,
          expiresAt: new Date(expiresAt),
        });
      }
    }
    deps.logger.info(
      { deliveryId: request.deliveryId, userId: request.userId, outcome: events.map((event) => event.type) },
      'temporary password delivery requested',
    );
  };
}

function validInstant(text: string | undefined): string | null {
  if (typeof text !== 'string') return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
