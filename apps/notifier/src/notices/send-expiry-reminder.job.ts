import type { Clock, Queryable } from '@lapse/shared';
import {
  daysUntil,
  passwordExpiryReminderEmail,
  passwordExpiryReminderSpeech,
} from '../channels/email/email.templates';
import type { EmailSender } from '../channels/email/smtp-email.sender';
import { SendFailure } from '../channels/send-failure';
import type { VoiceSender } from '../channels/voice/voice-webhook.sender';
import { type ClaimedDeliveryJob, deliveryJobs } from '../delivery/delivery-jobs.repository';
import type { DeliveryJobOutcomes } from '../delivery/delivery-job-outcomes';
import type { RateLimiter } from '../delivery/rate-limiter';
import { recordSendFailure } from '../delivery/send-failed';
import { findContact } from './contacts.projection';

export interface SendExpiryReminderOptions {
  readonly pool: Queryable;
  readonly outcomes: DeliveryJobOutcomes;
  readonly email: EmailSender;
  readonly voice: VoiceSender | null;
  readonly rateLimiter: RateLimiter;
  readonly clock: Clock;
  /** The hosted sign-in page, where the user changes the password: `{PUBLIC_URL}/signin`. */
  readonly publicUrl: string;
}

/** Job kind EXPIRY_REMINDER's event type in dead letters (no published event caused it). */
const REMINDER = 'PasswordExpiryReminder';

/**
 * Sends one reminder (job kind EXPIRY_REMINDER, queued by `ExpiryReminders`): by email with the link to
 * change the password, or by voice. It goes to the user's current address: the contact is read again when
 * the reminder is sent, so a profile update after it was queued is followed. No transaction is open while
 * it is sent; failures are retried like other messages, then parked in the dead letters.
 */
export class SendExpiryReminder {
  constructor(private readonly options: SendExpiryReminderOptions) {}

  async handle(job: ClaimedDeliveryJob): Promise<void> {
    const { outcomes, clock } = this.options;
    const attempts = job.attempts + 1;
    const contact = await findContact(this.options.pool, job.userId);
    const days = daysUntil((job.expiresAt ?? clock.now()).toISOString(), clock.now());
    try {
      await this.options.rateLimiter.take();
      if (job.channel === 'EMAIL') {
        await this.options.email.send(
          contact?.email ?? job.recipient,
          passwordExpiryReminderEmail({
            firstName: contact?.firstName ?? job.firstName,
            login: contact?.login ?? job.login,
            expiresAt: (job.expiresAt as Date).toISOString(),
            days,
            changeUrl: `${this.options.publicUrl}/signin`,
          }),
        );
      } else {
        if (!this.options.voice) throw new SendFailure('voice delivery is not configured', true);
        await this.options.voice.call(
          {
            to: contact?.mobilePhone ?? job.recipient,
            text: passwordExpiryReminderSpeech({ firstName: contact?.firstName ?? job.firstName, days }),
            deliveryId: job.jobId,
          },
          Math.floor(clock.now().getTime() / 1000),
        );
      }
    } catch (error) {
      if (!(error instanceof SendFailure)) throw error;
      await recordSendFailure(
        outcomes,
        job,
        { error, code: 'SEND_FAILED', attempts, clock },
        {
          eventId: null,
          eventType: REMINDER,
          payload: { reminderId: job.jobId, userId: job.userId, channel: job.channel },
        },
      );
      return;
    }
    await outcomes.record(job, (tx) => deliveryJobs.markSent(tx, job.jobId, attempts, clock.now()));
  }
}
