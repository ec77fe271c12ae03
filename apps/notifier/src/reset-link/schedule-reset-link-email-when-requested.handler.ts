import type {
  Clock,
  ConsumedMessage,
  Logger,
  MessageHandler,
  PasswordResetEmailRequestedV1,
} from '@lapse/shared';
import { deliveryJobs } from '../delivery/delivery-jobs.repository';
import { NOTIFIER_ACTOR } from '../delivery/delivery.stream';
import { DELIVERY_CONSUMER, parkFailedDelivery } from '../delivery/park-failed-delivery';
import { EnvelopeUnreadableError, type KeyRing } from '../keys/key-ring';
import { openSealedLink, type ResetLinkEmailOutcomes, sealedLinks } from './reset-link-emails';

export interface ScheduleResetLinkEmailDependencies {
  readonly keys: KeyRing;
  readonly outcomes: ResetLinkEmailOutcomes;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * `PasswordResetEmailRequested` → an email job (kind RESET_LINK) and the sealed link kept apart until the
 * worker sends it, in the inbox transaction (a redelivered request never schedules twice). The envelope is
 * opened once to prove it is ours and untampered; the link is dropped at once. No email address, or an
 * envelope that does not open: the email fails at once (NO_EMAIL / ENVELOPE_UNREADABLE, the latter parked).
 */
export function scheduleResetLinkEmailWhenRequested(
  deps: ScheduleResetLinkEmailDependencies,
): MessageHandler {
  return async (message: ConsumedMessage, tx) => {
    const request = message.payload as PasswordResetEmailRequestedV1;
    const now = deps.clock.now();
    const context = {
      actor: NOTIFIER_ACTOR,
      correlationId: message.headers.correlationId,
      causationId: message.headers.eventId,
    };
    const fail = (reason: 'NO_EMAIL' | 'ENVELOPE_UNREADABLE') =>
      deps.outcomes.record(
        tx,
        {
          type: 'ResetLinkEmailFailed',
          schemaVersion: 1,
          data: {
            deliveryId: request.deliveryId,
            userId: request.userId,
            reason,
            attempts: 0,
            failedAt: now.toISOString(),
          },
        },
        context,
      );
    let expiresAt: string;
    try {
      ({ expiresAt } = await openSealedLink(deps.keys, request.sealedLink, request));
    } catch (error) {
      if (!(error instanceof EnvelopeUnreadableError)) throw error;
      await fail('ENVELOPE_UNREADABLE');
      await parkFailedDelivery(tx, {
        consumer: DELIVERY_CONSUMER,
        userId: request.userId,
        eventId: message.headers.eventId,
        eventType: message.headers.eventType,
        payload: { ...request, sealedLink: '[REDACTED]' },
        reason: `ENVELOPE_UNREADABLE: ${error.reason}`,
        attempts: 1,
      });
      return;
    }
    if (!request.email) {
      await fail('NO_EMAIL');
      deps.logger.warn(
        { deliveryId: request.deliveryId, userId: request.userId },
        'reset link not emailed: the user has no email address',
      );
      return;
    }
    const inserted = await deliveryJobs.insert(tx, {
      jobId: request.deliveryId,
      kind: 'RESET_LINK',
      userId: request.userId,
      channel: 'EMAIL',
      mode: 'LINK',
      recipient: request.email,
      login: request.login ?? null,
      firstName: request.firstName ?? null,
      expiresAt: new Date(expiresAt),
      correlationId: context.correlationId,
      causationId: context.causationId,
      notBefore: now,
    });
    if (inserted) {
      await sealedLinks.store(tx, {
        deliveryId: request.deliveryId,
        userId: request.userId,
        sealed: request.sealedLink,
        expiresAt: new Date(expiresAt),
      });
    }
    deps.logger.info(
      { deliveryId: request.deliveryId, userId: request.userId },
      'reset link email requested',
    );
  };
}
