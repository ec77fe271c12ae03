/** Published contracts of the notifier service, schema version 1. Topic `lapse.notifier.deliveries.v1`. */
export type DeliveryChannel = 'EMAIL' | 'VOICE';

export interface TemporaryPasswordDeliveredV1 {
  readonly deliveryId: string;
  readonly userId: string;
  readonly channel: DeliveryChannel;
  readonly deliveredAt: string;
}

export interface TemporaryPasswordDeliveryFailedV1 {
  readonly deliveryId: string;
  readonly userId: string;
  readonly channel: DeliveryChannel | null;
  /** NO_CHANNEL, SMTP_FAILED, VOICE_FAILED, ENVELOPE_UNREADABLE, EXPIRED. */
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt: string;
}

export const NOTIFIER_EVENT_TYPES = {
  TemporaryPasswordDelivered: 'TemporaryPasswordDelivered',
  TemporaryPasswordDeliveryFailed: 'TemporaryPasswordDeliveryFailed',
} as const;
