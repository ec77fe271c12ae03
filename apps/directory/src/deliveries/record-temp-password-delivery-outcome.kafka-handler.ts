import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type ConsumedMessage, MessagingService, TOPICS } from '@lapse/shared';
import {
  NOTIFIER_EVENT_TYPES,
  type TemporaryPasswordDeliveredV1,
  type TemporaryPasswordDeliveryFailedV1,
} from '@lapse/shared/contracts/notifier.v1';
import type { PoolClient } from 'pg';
import { writeAudit } from '../audit/audit-log';
import { auditResetLinkEmailOutcome } from './audit-reset-link-email-outcome.kafka-handler';

export const DELIVERY_CONSUMER = 'directory.temp-password-deliveries';

/**
 * Records the notifier's delivery outcome on the user (shown as
 * `credentials.password.tempPasswordDelivery`) and in the audit log, in the consumer's transaction.
 */
@Injectable()
export class RecordTempPasswordDeliveryOutcome implements OnModuleInit {
  constructor(@Inject(MessagingService) private readonly messaging: MessagingService) {}

  async onModuleInit(): Promise<void> {
    await this.messaging.consume({
      name: DELIVERY_CONSUMER,
      topics: [TOPICS.notifierDeliveries],
      handlers: {
        [NOTIFIER_EVENT_TYPES.TemporaryPasswordDelivered]: (message, tx) =>
          delivered(message as ConsumedMessage<TemporaryPasswordDeliveredV1>, tx),
        [NOTIFIER_EVENT_TYPES.TemporaryPasswordDeliveryFailed]: (message, tx) =>
          failed(message as ConsumedMessage<TemporaryPasswordDeliveryFailedV1>, tx),
        [NOTIFIER_EVENT_TYPES.PasswordResetEmailSent]: auditResetLinkEmailOutcome,
        [NOTIFIER_EVENT_TYPES.PasswordResetEmailFailed]: auditResetLinkEmailOutcome,
      },
    });
  }
}

async function record(
  tx: PoolClient,
  message: ConsumedMessage,
  outcome: {
    deliveryId: string;
    userId: string;
    status: 'DELIVERED' | 'FAILED';
    channel: string | null;
    reason: string | null;
    attempts: number | null;
    at: string;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO directory_temp_password_deliveries (delivery_id, user_id, status, channel, reason, attempts, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (delivery_id) DO UPDATE
       SET status = EXCLUDED.status, channel = EXCLUDED.channel, reason = EXCLUDED.reason,
           attempts = EXCLUDED.attempts, updated_at = EXCLUDED.updated_at`,
    [
      outcome.deliveryId,
      outcome.userId,
      outcome.status,
      outcome.channel,
      outcome.reason,
      outcome.attempts,
      outcome.at,
    ],
  );
  await writeAudit(tx, [
    {
      eventType: 'system.temp_password.delivery',
      actor: { id: 'notifier', type: 'Service', displayName: 'notifier' },
      target: { id: outcome.userId, type: 'User', alternateId: null },
      outcome: outcome.status === 'DELIVERED' ? 'SUCCESS' : 'FAILURE',
      reason: outcome.reason,
      correlationId: message.headers.correlationId,
      displayMessage: `Temporary password ${outcome.status === 'DELIVERED' ? 'delivered' : 'not delivered'}${outcome.channel ? ` by ${outcome.channel}` : ''}`,
      debugData: { deliveryId: outcome.deliveryId, channel: outcome.channel },
      published: outcome.at,
    },
  ]);
}

function delivered(message: ConsumedMessage<TemporaryPasswordDeliveredV1>, tx: PoolClient): Promise<void> {
  const p = message.payload;
  return record(tx, message, {
    deliveryId: p.deliveryId,
    userId: p.userId,
    status: 'DELIVERED',
    channel: p.channel,
    reason: null,
    attempts: null,
    at: p.deliveredAt,
  });
}

function failed(message: ConsumedMessage<TemporaryPasswordDeliveryFailedV1>, tx: PoolClient): Promise<void> {
  const p = message.payload;
  return record(tx, message, {
    deliveryId: p.deliveryId,
    userId: p.userId,
    status: 'FAILED',
    channel: p.channel,
    reason: p.reason,
    attempts: p.attempts,
    at: p.failedAt,
  });
}
