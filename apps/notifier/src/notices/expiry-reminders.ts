import { randomUUID } from 'node:crypto';
import type { Clock, Logger, Queryable } from '@lapse/shared';

export interface ExpiryRemindersOptions {
  readonly pool: Queryable;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The org allows voice: users with a mobile phone are also called. */
  readonly voiceEnabled: boolean;
  /** Seconds between scans (0: never). */
  readonly intervalSeconds: number;
}

/**
 * Reminders before expiry: every `REMINDER_SCAN_INTERVAL_SECONDS`, at the injected clock's now, one delivery
 * job per user inside the policy's warning window (`expireWarnDays` before `maxAgeDays`) and channel (email;
 * voice too when enabled and the user has a mobile phone), sent by the delivery worker
 * (`send-expiry-reminder.job.ts`). The job id is the user, the password-change time and the channel, so a
 * scan run again, after a restart or by another notifier instance, queues nothing twice: one reminder per
 * user per warning window. A new password starts a new window. The scan reads the range of the partial
 * index `notifier_password_ages_remindable` inside the window, so its work is the users it reminds (and
 * those reminded already in the window, skipped by their job id).
 */
export class ExpiryReminders {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly options: ExpiryRemindersOptions) {}

  start(): void {
    if (this.options.intervalSeconds <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.scanInBackground(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async scanInBackground(): Promise<void> {
    if (this.running) return;
    this.running = this.scan()
      .then((queued) => {
        if (queued > 0) this.options.logger.info({ queued }, 'password expiry reminders queued');
      })
      .catch((error) =>
        this.options.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'reminder scan failed',
        ),
      )
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }

  /** Queues the reminders due at `now` (the clock's by default); returns how many jobs were queued. */
  async scan(now: Date = this.options.clock.now()): Promise<number> {
    const { rowCount } = await this.options.pool.query(
      `INSERT INTO notifier_delivery_jobs
         (job_id, kind, user_id, channel, mode, recipient, login, first_name, expires_at, next_attempt_at,
          correlation_id, causation_id)
       SELECT 'reminder-' || lower(ch.channel) || '-' || a.user_id || '-'
                || (extract(epoch FROM a.password_changed_at) * 1000)::bigint,
              'EXPIRY_REMINDER', a.user_id, ch.channel, 'NOTICE',
              CASE ch.channel WHEN 'EMAIL' THEN c.email ELSE c.mobile_phone END, c.login, c.first_name,
              a.password_changed_at + make_interval(days => p.max_age_days), $1, $2, NULL
         FROM notifier_password_policy p
         JOIN notifier_password_ages a
           ON a.status = 'ACTIVE' AND NOT a.exempt AND a.provider_type IN ('OKTA', 'IMPORT')
          AND a.password_changed_at > $1::timestamptz - make_interval(days => p.max_age_days)
          AND a.password_changed_at <= $1::timestamptz - make_interval(days => p.max_age_days - p.expire_warn_days)
         JOIN notifier_contacts c ON c.user_id = a.user_id
        CROSS JOIN (VALUES ('EMAIL'), ('VOICE')) AS ch(channel)
        WHERE p.max_age_days > 0 AND p.expire_warn_days > 0
          AND CASE ch.channel WHEN 'EMAIL' THEN c.email IS NOT NULL
                              ELSE $3 AND c.mobile_phone IS NOT NULL END
       ON CONFLICT (job_id) DO NOTHING`,
      [now, `reminder-scan-${randomUUID()}`, this.options.voiceEnabled],
    );
    return rowCount ?? 0;
  }
}
