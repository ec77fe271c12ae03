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

/** The reset-link email was handed to the mail relay (directory audits `system.email.password_reset.sent_message`). */
export interface PasswordResetEmailSentV1 {
  readonly deliveryId: string;
  readonly userId: string;
  readonly sentAt: string;
}

export interface PasswordResetEmailFailedV1 {
  readonly deliveryId: string;
  readonly userId: string;
  /** NO_EMAIL, SMTP_FAILED, ENVELOPE_UNREADABLE, EXPIRED. */
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt: string;
}

export const NOTIFIER_EVENT_TYPES = {
  TemporaryPasswordDelivered: 'TemporaryPasswordDelivered',
  TemporaryPasswordDeliveryFailed: 'TemporaryPasswordDeliveryFailed',
  PasswordResetEmailSent: 'PasswordResetEmailSent',
  PasswordResetEmailFailed: 'PasswordResetEmailFailed',
} as const;
