import {
  headersOf,
  NOTIFIER_EVENT_TYPES,
  type OutboundMessage,
  type PasswordResetEmailFailedV1,
  type PasswordResetEmailSentV1,
  type Publication,
  type RecordedEvent,
  TOPICS,
  type TemporaryPasswordDeliveredV1,
  type TemporaryPasswordDeliveryFailedV1,
} from '@lapse/shared';
import { DELIVERY_STREAM_PREFIX, type DeliveryEvent } from './delivery/domain/delivery.events';
import {
  RESET_LINK_EMAIL_STREAM_PREFIX,
  type ResetLinkEmailEvent,
} from './reset-link/reset-link-email.events';

/** A reset-link email's outcome (`reset-link-email-*` streams). */
function resetLinkEmailMessages(recorded: RecordedEvent): OutboundMessage[] {
  const event = { type: recorded.type, data: recorded.data } as ResetLinkEmailEvent;
  const outcome = (type: string, payload: object): OutboundMessage[] => [
    {
      topic: TOPICS.notifierDeliveries,
      key: event.data.userId,
      headers: headersOf(recorded, type, 1),
      payload,
    },
  ];
  switch (event.type) {
    case 'ResetLinkEmailSent': {
      const payload: PasswordResetEmailSentV1 = {
        deliveryId: event.data.deliveryId,
        userId: event.data.userId,
        sentAt: event.data.sentAt,
      };
      return outcome(NOTIFIER_EVENT_TYPES.PasswordResetEmailSent, payload);
    }
    case 'ResetLinkEmailFailed': {
      const payload: PasswordResetEmailFailedV1 = {
        deliveryId: event.data.deliveryId,
        userId: event.data.userId,
        reason: event.data.reason,
        attempts: event.data.attempts,
        failedAt: event.data.failedAt,
      };
      return outcome(NOTIFIER_EVENT_TYPES.PasswordResetEmailFailed, payload);
    }
    default:
      return [];
  }
}

/**
 * What the notifier publishes from its `delivery-*` and `reset-link-email-*` streams: outcomes only, as
 * published contracts.
 * Scheduling, reveal and discard events stay private.
 */
export const notifierPublication: Publication = (recorded: RecordedEvent): OutboundMessage[] => {
  if (recorded.streamId.startsWith(RESET_LINK_EMAIL_STREAM_PREFIX)) return resetLinkEmailMessages(recorded);
  if (!recorded.streamId.startsWith(DELIVERY_STREAM_PREFIX)) return [];
  const event = {
    type: recorded.type,
    schemaVersion: recorded.schemaVersion,
    data: recorded.data,
  } as DeliveryEvent;
  switch (event.type) {
    case 'DeliverySent': {
      const payload: TemporaryPasswordDeliveredV1 = {
        deliveryId: event.data.deliveryId,
        userId: event.data.userId,
        channel: event.data.channel,
        deliveredAt: event.data.sentAt,
      };
      return [
        {
          topic: TOPICS.notifierDeliveries,
          key: event.data.userId,
          headers: headersOf(recorded, NOTIFIER_EVENT_TYPES.TemporaryPasswordDelivered, 1),
          payload,
        },
      ];
    }
    case 'DeliveryFailed': {
      const payload: TemporaryPasswordDeliveryFailedV1 = {
        deliveryId: event.data.deliveryId,
        userId: event.data.userId,
        channel: event.data.channel,
        reason: event.data.reason,
        attempts: event.data.attempts,
        failedAt: event.data.failedAt,
      };
      return [
        {
          topic: TOPICS.notifierDeliveries,
          key: event.data.userId,
          headers: headersOf(recorded, NOTIFIER_EVENT_TYPES.TemporaryPasswordDeliveryFailed, 1),
          payload,
        },
      ];
    }
    default:
      return [];
  }
};
