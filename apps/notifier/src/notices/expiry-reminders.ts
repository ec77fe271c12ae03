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
 * job per user inside their effective policy's warning window (`expireWarnDays` before `maxAgeDays`) and channel (email;
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

  /**
   * Queues the reminders due at `now` (the clock's by default); returns how many jobs were queued. One pass
   * per policy with a maximum age and a warning window, each over its users (Okta's resolution: a group
   * policy's members not governed by an earlier one, then the default for everyone else).
   */
  async scan(now: Date = this.options.clock.now()): Promise<number> {
    const correlationId = `reminder-scan-${randomUUID()}`;
    let queued = 0;
    for (const pass of await this.passes()) queued += await this.scanPass(now, correlationId, pass);
    return queued;
  }

  private async passes(): Promise<ReminderPass[]> {
    const [{ rows: groupPolicies }, { rows: defaults }] = await Promise.all([
      this.options.pool.query<GroupPolicyRow>(
        `SELECT group_ids, provider, max_age_days, expire_warn_days FROM notifier_group_password_policies
          WHERE status = 'ACTIVE' ORDER BY priority, priority_set_at DESC, id`,
      ),
      this.options.pool.query<{ max_age_days: number; expire_warn_days: number }>(
        'SELECT max_age_days, expire_warn_days FROM notifier_password_policy',
      ),
    ]);
    const passes: ReminderPass[] = groupPolicies.map((policy, index) => ({
      maxAgeDays: policy.max_age_days,
      warnDays: policy.expire_warn_days,
      match: membershipOf([policy]),
      earlier: membershipOf(groupPolicies.slice(0, index)),
    }));
    if (defaults[0])
      passes.push({
        maxAgeDays: defaults[0].max_age_days,
        warnDays: defaults[0].expire_warn_days,
        match: null,
        earlier: membershipOf(groupPolicies),
      });
    return passes.filter((pass) => pass.maxAgeDays > 0 && pass.warnDays > 0);
  }

  private async scanPass(now: Date, correlationId: string, pass: ReminderPass): Promise<number> {
    const { rowCount } = await this.options.pool.query(
      `INSERT INTO notifier_delivery_jobs
         (job_id, kind, user_id, channel, mode, recipient, login, first_name, expires_at, next_attempt_at,
          correlation_id, causation_id)
       SELECT 'reminder-' || lower(ch.channel) || '-' || a.user_id || '-'
                || (extract(epoch FROM a.password_changed_at) * 1000)::bigint,
              'EXPIRY_REMINDER', a.user_id, ch.channel, 'NOTICE',
              CASE ch.channel WHEN 'EMAIL' THEN c.email ELSE c.mobile_phone END, c.login, c.first_name,
              a.password_changed_at + make_interval(days => $4::int), $1, $2, NULL
         FROM notifier_password_ages a
         JOIN notifier_contacts c ON c.user_id = a.user_id
        CROSS JOIN (VALUES ('EMAIL'), ('VOICE')) AS ch(channel)
        WHERE a.status = 'ACTIVE' AND NOT a.exempt AND a.provider_type IN ('OKTA', 'IMPORT')
          AND a.password_changed_at > $1::timestamptz - make_interval(days => $4::int)
          AND a.password_changed_at <= $1::timestamptz - make_interval(days => $4::int - $5::int)
          AND ($6::text[] IS NULL OR EXISTS (
                SELECT FROM notifier_group_members m JOIN unnest($6::text[], $7::text[]) AS p(g, pt) ON m.group_id = p.g
                 WHERE m.user_id = a.user_id AND a.provider_type = p.pt))
          AND NOT EXISTS (
                SELECT FROM notifier_group_members m JOIN unnest($8::text[], $9::text[]) AS e(g, pt) ON m.group_id = e.g
                 WHERE m.user_id = a.user_id AND a.provider_type = e.pt)
          AND CASE ch.channel WHEN 'EMAIL' THEN c.email IS NOT NULL
                              ELSE $3 AND c.mobile_phone IS NOT NULL END
       ON CONFLICT (job_id) DO NOTHING`,
      [
        now,
        correlationId,
        this.options.voiceEnabled,
        pass.maxAgeDays,
        pass.warnDays,
        pass.match?.groupIds ?? null,
        pass.match?.providerTypes ?? null,
        pass.earlier.groupIds,
        pass.earlier.providerTypes,
      ],
    );
    return rowCount ?? 0;
  }
}

interface GroupPolicyRow {
  readonly group_ids: string[];
  readonly provider: 'OKTA' | 'ACTIVE_DIRECTORY';
  readonly max_age_days: number;
  readonly expire_warn_days: number;
}

/** Group/provider-type pairs: a user matches when a member of a pair's group with the pair's provider type. */
interface Membership {
  readonly groupIds: readonly string[];
  readonly providerTypes: readonly string[];
}

interface ReminderPass {
  readonly maxAgeDays: number;
  readonly warnDays: number;
  /** The policy's users (null: the default's, everyone not in `earlier`). */
  readonly match: Membership | null;
  readonly earlier: Membership;
}

/** The provider types a policy's `authProvider` condition covers (as `providerMatches` decides). */
const PROVIDER_TYPES = { OKTA: ['OKTA', 'IMPORT'], ACTIVE_DIRECTORY: ['ACTIVE_DIRECTORY'] } as const;

function membershipOf(policies: readonly GroupPolicyRow[]): Membership {
  const pairs = policies.flatMap((policy) =>
    policy.group_ids.flatMap((groupId) => PROVIDER_TYPES[policy.provider].map((type) => [groupId, type])),
  );
  return { groupIds: pairs.map(([groupId]) => groupId), providerTypes: pairs.map(([, type]) => type) };
}
