import { batchHandler, type Clock, type MessageHandler, type PasswordExpiredV1 } from '@lapse/shared';
import { deliveryJobs } from '../delivery/delivery-jobs.repository';
import { findContact } from './contacts.projection';
import { projectPasswordsExpired } from './password-ages.projection';

/** Causes that get a notice: an administrator expired one password, or a bulk job expired many. */
const NOTICE_CAUSES: ReadonlySet<string> = new Set(['ADMIN', 'BULK']);

/**
 * With NOTIFY_ON_ADMIN_EXPIRY=true, a `PasswordExpired` by an administrator or in bulk queues a plain
 * notice email (no secret). A temporary password has its own delivery, so ADMIN_TEMP_PASSWORD gets none.
 * The worker sends notices at the configured rate, so a bulk expiry drains steadily.
 */
export function queueNoticeWhenPasswordExpired(clock: Clock): MessageHandler {
  return async (message, tx) => {
    const expired = message.payload as PasswordExpiredV1;
    if (!NOTICE_CAUSES.has(expired.cause)) return;
    const contact = await findContact(tx, expired.userId);
    if (!contact?.email) return;
    await deliveryJobs.insert(tx, {
      jobId: `notice-${message.headers.eventId}`,
      kind: 'EXPIRY_NOTICE',
      userId: expired.userId,
      channel: 'EMAIL',
      mode: 'NOTICE',
      recipient: contact.email,
      login: contact.login,
      firstName: contact.firstName,
      expiresAt: null,
      correlationId: message.headers.correlationId,
      causationId: message.headers.eventId,
      notBefore: clock.now(),
    });
  };
}

/**
 * Every PasswordExpired ends the reminders for that password (`projectPasswordsExpired`, one statement for
 * a run); with `notice`, each also goes through it.
 */
export function whenPasswordExpired(notice: MessageHandler | null) {
  return batchHandler(async (messages, tx) => {
    await projectPasswordsExpired(
      tx,
      messages.map((message) => message.payload as PasswordExpiredV1),
    );
    if (notice) for (const message of messages) await notice(message, tx);
  });
}
