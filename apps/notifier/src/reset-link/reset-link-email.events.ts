import type { DomainEvent } from '@lapse/shared';

/** One `reset-link-email-<deliveryId>` stream per emailed reset link: its single outcome. */
export const RESET_LINK_EMAIL_STREAM_PREFIX = 'reset-link-email-';
export const resetLinkEmailStreamId = (deliveryId: string) =>
  `${RESET_LINK_EMAIL_STREAM_PREFIX}${deliveryId}`;

export type ResetLinkEmailFailureReason = 'NO_EMAIL' | 'SMTP_FAILED' | 'ENVELOPE_UNREADABLE' | 'EXPIRED';

export type ResetLinkEmailSent = DomainEvent<
  'ResetLinkEmailSent',
  { readonly deliveryId: string; readonly userId: string; readonly attempts: number; readonly sentAt: string }
>;

export type ResetLinkEmailFailed = DomainEvent<
  'ResetLinkEmailFailed',
  {
    readonly deliveryId: string;
    readonly userId: string;
    readonly reason: ResetLinkEmailFailureReason;
    readonly attempts: number;
    readonly failedAt: string;
  }
>;

export type ResetLinkEmailEvent = ResetLinkEmailSent | ResetLinkEmailFailed;
