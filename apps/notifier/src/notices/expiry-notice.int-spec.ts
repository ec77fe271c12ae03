import {
  DIRECTORY_EVENT_TYPES,
  type PasswordExpiredV1,
  TOPICS,
  type UserCreatedV1,
  uuidSource,
} from '@lapse/shared';
import { freePort } from '@lapse/shared/database/free-port';
import { listDeadLetters } from '@lapse/shared/messaging/dead-letter';
import { DELIVERY_WORKER } from '../delivery/park-failed-delivery';
import { MaildevCaptureServer } from '../mail-capture/maildev-capture-server';
import { DeliveryHarness } from '../testing/delivery-harness';
import { findContact, projectContacts, projectContactWhenUserCreated } from './contacts.projection';
import { queueNoticeWhenPasswordExpired } from './queue-notice-when-password-expired.handler';

describe('notices when an administrator expires passwords (real PostgreSQL, real SMTP)', () => {
  let maildev: MaildevCaptureServer;
  let notifier: DeliveryHarness;
  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    notifier = await DeliveryHarness.start(
      { smtpUrl: maildev.smtpUrl, ratePerSecond: 5 },
      {
        [DIRECTORY_EVENT_TYPES.UserCreated]: projectContactWhenUserCreated,
        [DIRECTORY_EVENT_TYPES.PasswordExpired]: queueNoticeWhenPasswordExpired({
          now: () => notifier.clock.now(),
        }),
      },
    );
  });
  afterAll(async () => {
    await notifier?.close();
    await maildev?.stop();
  });

  async function createUser(email: string | null, into: DeliveryHarness = notifier): Promise<string> {
    const userId = uuidSource.next();
    const user: UserCreatedV1 = {
      userId,
      login: `${userId}@example.com`,
      email,
      firstName: 'Grace',
      lastName: 'Hopper',
      mobilePhone: null,
      provider: { type: 'OKTA', name: 'OKTA' },
      status: 'ACTIVE',
      createdAt: new Date().toISOString(),
    };
    await into.deliver(user, {
      eventType: DIRECTORY_EVENT_TYPES.UserCreated,
      topic: TOPICS.directoryUsers,
    });
    return userId;
  }

  async function expire(
    userId: string,
    cause: PasswordExpiredV1['cause'],
    into: DeliveryHarness = notifier,
  ): Promise<void> {
    const expired: PasswordExpiredV1 = {
      userId,
      login: `${userId}@example.com`,
      provider: { type: 'OKTA', name: 'OKTA' },
      cause,
      expiredAt: new Date().toISOString(),
    };
    await into.deliver(expired, {
      eventType: DIRECTORY_EVENT_TYPES.PasswordExpired,
      topic: TOPICS.directoryUsers,
    });
  }

  it('emails a plain notice, without any secret, when an administrator or a bulk job expires a password', async () => {
    const one = await createUser('one@example.com');
    const bulk = await createUser('bulk@example.com');
    await expire(one, 'ADMIN');
    await expire(bulk, 'BULK');
    await notifier.worker.drain();
    const [mail] = await maildev.waitForEmails(1, 'one@example.com');
    expect(mail.subject).toBe('Your password has expired');
    expect(mail.text).toContain('Hello Grace,');
    expect(mail.text).not.toMatch(/temporary password|reveal/i);
    await maildev.waitForEmails(1, 'bulk@example.com');
  });

  it('retries a notice the mail server refuses, then marks it failed and parks it after the last attempt', async () => {
    const unreachable = await DeliveryHarness.start(
      { smtpUrl: `smtp://127.0.0.1:${await freePort()}`, maxAttempts: 2 },
      {
        [DIRECTORY_EVENT_TYPES.UserCreated]: projectContactWhenUserCreated,
        [DIRECTORY_EVENT_TYPES.PasswordExpired]: queueNoticeWhenPasswordExpired({
          now: () => unreachable.clock.now(),
        }),
      },
    );
    try {
      const userId = await createUser('nowhere@example.com', unreachable);
      await expire(userId, 'ADMIN', unreachable);
      await unreachable.worker.drain();
      const { rows } = await unreachable.pool.query<{ job_id: string; status: string; attempts: number }>(
        `SELECT job_id, status, attempts FROM notifier_delivery_jobs WHERE user_id = $1`,
        [userId],
      );
      expect(rows).toEqual([expect.objectContaining({ status: 'PENDING', attempts: 1 })]);
      unreachable.clock.advance(60_000);
      await unreachable.worker.drain();
      expect(await unreachable.job(rows[0].job_id)).toMatchObject({
        status: 'FAILED',
        attempts: 2,
        last_error: expect.stringMatching(/^SMTP_FAILED: /),
      });
      const parked = await listDeadLetters(unreachable.pool, DELIVERY_WORKER);
      expect(parked).toEqual([
        expect.objectContaining({
          event_type: DIRECTORY_EVENT_TYPES.PasswordExpired,
          reason: expect.stringMatching(/^SMTP_FAILED: .*ECONNREFUSED/),
          attempts: 2,
        }),
      ]);
      expect(JSON.parse(String(parked[0].payload))).toEqual({
        noticeId: rows[0].job_id,
        userId,
        channel: 'EMAIL',
      });
    } finally {
      await unreachable.close();
    }
  });

  it('sends no notice for a temporary password (it has its own delivery) or a user without email', async () => {
    const temp = await createUser('temp@example.com');
    const none = await createUser(null);
    await expire(temp, 'ADMIN_TEMP_PASSWORD');
    await expire(none, 'ADMIN');
    await notifier.worker.drain();
    expect(
      await notifier.count(`SELECT 1 FROM notifier_delivery_jobs WHERE user_id = ANY($1)`, [[temp, none]]),
    ).toBe(0);
  });

  it('sends a bulk expiry at the configured rate (5 per second here) instead of all at once', async () => {
    const users = await Promise.all(
      Array.from({ length: 15 }, (_, i) => createUser(`bulk-${i}@rate.example`)),
    );
    for (const userId of users) await expire(userId, 'BULK');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a full bucket: the first second's worth goes at once
    const started = Date.now();
    expect(await notifier.worker.drain()).toBe(15);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1800);
    expect(elapsed).toBeLessThan(6000);
    const arrived = (await maildev.emails()).filter((mail) => mail.to[0]?.address.endsWith('@rate.example'));
    expect(arrived).toHaveLength(15);
  });

  it('keeps contacts from a run of UserCreated in one statement, the last of a user in the run winning', async () => {
    const [first, second] = [uuidSource.next(), uuidSource.next()];
    const created = (userId: string, email: string, firstName: string): UserCreatedV1 => ({
      userId,
      login: `${userId}@example.com`,
      email,
      firstName,
      lastName: 'Lovelace',
      mobilePhone: null,
      provider: { type: 'OKTA', name: 'OKTA' },
      status: 'ACTIVE',
      createdAt: new Date().toISOString(),
    });
    await projectContacts(notifier.pool, [
      created(first, 'old@example.com', 'Ada'),
      created(second, 'second@example.com', 'Augusta'),
      created(first, 'new@example.com', 'Ada'),
    ]);
    expect(await findContact(notifier.pool, first)).toEqual({
      userId: first,
      login: `${first}@example.com`,
      email: 'new@example.com',
      mobilePhone: null,
      firstName: 'Ada',
    });
    expect((await findContact(notifier.pool, second))?.email).toBe('second@example.com');
  });
});
