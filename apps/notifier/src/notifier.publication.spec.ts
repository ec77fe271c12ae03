import type { RecordedEvent } from '@lapse/shared';
import { TOPICS } from '@lapse/shared';
import type { DeliveryEvent } from './delivery/domain/delivery.events';
import { notifierPublication } from './notifier.publication';
import type { ResetLinkEmailEvent } from './reset-link/reset-link-email.events';

function recorded(event: DeliveryEvent | ResetLinkEmailEvent, streamId = 'delivery-d-1'): RecordedEvent {
  return {
    streamId,
    version: 1,
    globalPosition: '1',
    transactionId: '1',
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      eventId: 'e-1',
      correlationId: 'c-1',
      causationId: 'x-1',
      actor: 'service:notifier',
      occurredAt: 'now',
    },
    recordedAt: 'now',
  };
}

describe('what the notifier publishes', () => {
  it('publishes a sent delivery as TemporaryPasswordDelivered keyed by user', () => {
    const [message] = notifierPublication(
      recorded({
        type: 'DeliverySent',
        schemaVersion: 1,
        data: { deliveryId: 'd-1', userId: 'u-1', channel: 'EMAIL', attempts: 2, sentAt: 't' },
      }),
    );
    expect(message).toEqual({
      topic: TOPICS.notifierDeliveries,
      key: 'u-1',
      headers: expect.objectContaining({
        eventId: 'e-1',
        eventType: 'TemporaryPasswordDelivered',
        schemaVersion: 1,
      }),
      payload: { deliveryId: 'd-1', userId: 'u-1', channel: 'EMAIL', deliveredAt: 't' },
    });
  });

  it('publishes a failure with its reason and attempts', () => {
    const [message] = notifierPublication(
      recorded({
        type: 'DeliveryFailed',
        schemaVersion: 1,
        data: {
          deliveryId: 'd-1',
          userId: 'u-1',
          channel: null,
          reason: 'NO_CHANNEL',
          attempts: 0,
          failedAt: 't',
        },
      }),
    );
    expect(message.headers.eventType).toBe('TemporaryPasswordDeliveryFailed');
    expect(message.payload).toEqual({
      deliveryId: 'd-1',
      userId: 'u-1',
      channel: null,
      reason: 'NO_CHANNEL',
      attempts: 0,
      failedAt: 't',
    });
  });

  it('keeps reveals and discards private', () => {
    const revealed = recorded({
      type: 'TemporaryPasswordRevealed',
      schemaVersion: 1,
      data: { deliveryId: 'd-1', userId: 'u-1', revealedAt: 't' },
    });
    expect(notifierPublication(revealed)).toEqual([]);
  });

  it('publishes a reset-link email outcome as PasswordResetEmailSent / PasswordResetEmailFailed keyed by user', () => {
    const [sent] = notifierPublication(
      recorded(
        {
          type: 'ResetLinkEmailSent',
          schemaVersion: 1,
          data: { deliveryId: 'r-1', userId: 'u-1', attempts: 1, sentAt: 't' },
        },
        'reset-link-email-r-1',
      ),
    );
    expect(sent).toMatchObject({
      topic: TOPICS.notifierDeliveries,
      key: 'u-1',
      headers: expect.objectContaining({ eventType: 'PasswordResetEmailSent', schemaVersion: 1 }),
      payload: { deliveryId: 'r-1', userId: 'u-1', sentAt: 't' },
    });
    const [failed] = notifierPublication(
      recorded(
        {
          type: 'ResetLinkEmailFailed',
          schemaVersion: 1,
          data: { deliveryId: 'r-1', userId: 'u-1', reason: 'NO_EMAIL', attempts: 0, failedAt: 't' },
        },
        'reset-link-email-r-1',
      ),
    );
    expect(failed.headers.eventType).toBe('PasswordResetEmailFailed');
    expect(failed.payload).toEqual({
      deliveryId: 'r-1',
      userId: 'u-1',
      reason: 'NO_EMAIL',
      attempts: 0,
      failedAt: 't',
    });
  });

  it('ignores other services’ streams in the shared log', () => {
    const foreign = recorded(
      {
        type: 'DeliverySent',
        schemaVersion: 1,
        data: { deliveryId: 'd-1', userId: 'u-1', channel: 'EMAIL', attempts: 1, sentAt: 't' },
      },
      'user-u-1',
    );
    expect(notifierPublication(foreign)).toEqual([]);
  });
});
