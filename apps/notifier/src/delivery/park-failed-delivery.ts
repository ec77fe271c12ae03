import { type Queryable, TOPICS } from '@lapse/shared';

export const DELIVERY_CONSUMER = 'notifier.deliveries';
export const DELIVERY_WORKER = 'notifier.delivery-worker';

/**
 * Parks a delivery that will not happen in `lapse_dead_letters` with its reason, for an operator to see.
 * The payload names the delivery but never carries the sealed envelope or any secret.
 */
export async function parkFailedDelivery(
  tx: Queryable,
  letter: {
    readonly consumer: string;
    readonly userId: string;
    readonly eventId: string | null;
    readonly eventType: string;
    readonly payload: Record<string, unknown>;
    readonly reason: string;
    readonly attempts: number;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO lapse_dead_letters (consumer, topic, message_key, event_id, event_type, schema_version, payload, reason, attempts)
     VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8)`,
    [
      letter.consumer,
      TOPICS.directoryDeliveries,
      letter.userId,
      letter.eventId,
      letter.eventType,
      JSON.stringify(letter.payload),
      letter.reason.slice(0, 2000),
      letter.attempts,
    ],
  );
}
