import type { DomainEvent } from '@lapse/shared/core';

/** Private events of the `delivery-<deliveryId>` stream. Only the publication maps them to contracts. */
export type DeliveryChannel = 'EMAIL' | 'VOICE';

/** How the secret reaches the user: a one-time reveal link in an email, or the password itself. */
export type DeliveryMode = 'LINK' | 'INLINE';

export type DeliveryFailureReason =
  | 'NO_CHANNEL'
  | 'SMTP_FAILED'
  | 'VOICE_FAILED'
  | 'ENVELOPE_UNREADABLE'
  | 'EXPIRED';

export type DiscardReason = 'REVEALED' | 'SENT' | 'FAILED' | 'EXPIRED';

export type DeliveryScheduled = DomainEvent<
  'DeliveryScheduled',
  {
    readonly deliveryId: string;
    readonly userId: string;
    readonly channel: DeliveryChannel;
    readonly mode: DeliveryMode;
    readonly expiresAt: string;
    readonly scheduledAt: string;
  }
>;

export type DeliverySent = DomainEvent<
  'DeliverySent',
  {
    readonly deliveryId: string;
    readonly userId: string;
    readonly channel: DeliveryChannel;
    readonly attempts: number;
    readonly sentAt: string;
  }
>;

export type DeliveryFailed = DomainEvent<
  'DeliveryFailed',
  {
    readonly deliveryId: string;
    readonly userId: string;
    readonly channel: DeliveryChannel | null;
    readonly reason: DeliveryFailureReason;
    /** Why the envelope did not open (e.g. UNKNOWN_KEY_ID), when the reason is ENVELOPE_UNREADABLE. */
    readonly detail?: string;
    readonly attempts: number;
    readonly failedAt: string;
  }
>;

export type TemporaryPasswordRevealed = DomainEvent<
  'TemporaryPasswordRevealed',
  { readonly deliveryId: string; readonly userId: string; readonly revealedAt: string }
>;

export type SealedPasswordDiscarded = DomainEvent<
  'SealedPasswordDiscarded',
  {
    readonly deliveryId: string;
    readonly userId: string;
    readonly reason: DiscardReason;
    readonly discardedAt: string;
  }
>;

export type DeliveryEvent =
  | DeliveryScheduled
  | DeliverySent
  | DeliveryFailed
  | TemporaryPasswordRevealed
  | SealedPasswordDiscarded;

export const DELIVERY_STREAM_PREFIX = 'delivery-';

export function deliveryStreamId(deliveryId: string): string {
  return `${DELIVERY_STREAM_PREFIX}${deliveryId}`;
}
