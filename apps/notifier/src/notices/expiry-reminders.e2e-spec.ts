import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '@lapse/shared';
import { mailTo } from '@lapse/shared/testing/mail';
import { queryRows } from '@lapse/shared/testing/test-database';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { MaildevCaptureServer } from '../mail-capture/maildev-capture-server';
import { ExpiryReminders } from './expiry-reminders';

const DAY_MS = 86_400_000;
const MAX_AGE_DAYS = 30;
const WARN_DAYS = 5;

/** A stand-in voice provider: records every call's JSON body. */
async function startVoiceProvider(): Promise<{
  url: string;
  calls: { to: string; text: string }[];
  server: Server;
}> {
  const calls: { to: string; text: string }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      calls.push(JSON.parse(body));
      response.statusCode = 200;
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/voice`, calls, server };
}

/**
 * Reminders before expiry in the all-in-one app (embedded transport, real SMTP capture, a stand-in voice
 * provider): the notifier learns the policy's age settings, the password's age and the user's current
 * contact from directory's events, and inside the warning window sends one reminder per channel, with the
 * link to the hosted sign-in page. Time is moved with the app's injected clock, not waited for.
 */
describe('reminders before a password expires (all-in-one)', () => {
  let maildev: MaildevCaptureServer;
  let voice: Awaited<ReturnType<typeof startVoiceProvider>>;
  let lapse: TestApp;
  let reminders: ExpiryReminders;

  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    voice = await startVoiceProvider();
    lapse = await startTestApp({
      env: {
        ...mailTo(maildev.smtpUrl),
        ...FAST_PASSWORD_HASHING,
        VOICE_ENABLED: 'true',
        VOICE_WEBHOOK_URL: voice.url,
        VOICE_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
        REMINDER_SCAN_INTERVAL_SECONDS: '0',
        POLICY_SWEEP_INTERVAL_SECONDS: '0',
      },
    });
    reminders = lapse.app.get(ExpiryReminders, { strict: false });
    const policy = await lapse.admin('PUT', '/api/v1/policies/password', {
      age: { maxAgeDays: MAX_AGE_DAYS, expireWarnDays: WARN_DAYS },
    });
    expect(policy.status).toBe(200);
    await waitFor('the notifier to learn the policy', async () => (await policyRows()) === 1, 10_000);
  });

  afterAll(async () => {
    await lapse?.close();
    await maildev?.stop();
    await new Promise((resolve) => voice?.server.close(resolve));
  });
  afterEach(() => jest.restoreAllMocks());

  const query = <T>(sql: string, params: unknown[] = []) => queryRows<T>(lapse.databaseUrl, sql, params);
  const policyRows = async () =>
    (await query('SELECT 1 FROM notifier_password_policy WHERE max_age_days = $1', [MAX_AGE_DAYS])).length;
  const remindersOf = (userId: string) =>
    query<{ channel: string; status: string }>(
      `SELECT channel, status FROM notifier_delivery_jobs WHERE user_id = $1 AND kind = 'EXPIRY_REMINDER' ORDER BY channel`,
      [userId],
    );
  const known = async (userId: string) =>
    (await query('SELECT 1 FROM notifier_password_ages WHERE user_id = $1', [userId])).length === 1;
  const clockAt = (days: number) => {
    const moved = Date.now() + days * DAY_MS;
    jest.spyOn(systemClock, 'now').mockImplementation(() => new Date(moved));
    return new Date(moved);
  };

  async function activeUser(options: { mobilePhone?: string } = {}): Promise<{ id: string; email: string }> {
    const email = `remind.${randomBytes(4).toString('hex')}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login: email, email, firstName: 'Ada', lastName: 'Lovelace', ...options },
      credentials: { password: { value: 'Original-Pw-123' } },
    });
    expect(created.status).toBe(200);
    await waitFor('the notifier to learn the user', () => known(created.body.id), 10_000);
    return { id: created.body.id, email };
  }

  it('emails one reminder per window to the current address, and calls when voice is enabled', async () => {
    const user = await activeUser({ mobilePhone: '+15555550123' });
    const newEmail = `moved.${randomBytes(4).toString('hex')}@example.com`;
    const updated = await lapse.admin('POST', `/api/v1/users/${user.id}`, { profile: { email: newEmail } });
    expect(updated.status).toBe(200);
    await waitFor(
      'the notifier to follow the profile update',
      async () => (await query('SELECT 1 FROM notifier_contacts WHERE email = $1', [newEmail])).length === 1,
      10_000,
    );

    // Before the window: nothing.
    expect(await reminders.scan(clockAt(MAX_AGE_DAYS - WARN_DAYS - 1))).toBe(0);
    expect(await remindersOf(user.id)).toEqual([]);

    // Inside it: one reminder per channel, sent by the worker.
    clockAt(MAX_AGE_DAYS - WARN_DAYS + 2);
    expect(await reminders.scan()).toBeGreaterThanOrEqual(2);
    const [mail] = await maildev.waitForEmails(1, newEmail, 20_000);
    expect(mail.subject).toBe('Your password expires in 3 days');
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain(`${lapse.url}/signin`);
    expect(mail.html).toContain(`href="${lapse.url}/signin"`);
    await waitFor('the voice call', () => voice.calls.some((call) => call.to === '+15555550123'), 10_000);
    expect(voice.calls.find((call) => call.to === '+15555550123')?.text).toContain('expires in 3 days');
    await waitFor('both reminders to be sent', async () =>
      (await remindersOf(user.id)).every((job) => job.status === 'SENT'),
    );

    // Later scans in the same window (a restart, other instances at once) queue nothing again.
    clockAt(MAX_AGE_DAYS - 1);
    expect(await Promise.all([reminders.scan(), reminders.scan()])).toEqual([0, 0]);
    expect(await remindersOf(user.id)).toEqual([
      { channel: 'EMAIL', status: 'SENT' },
      { channel: 'VOICE', status: 'SENT' },
    ]);
    const sent = await maildev.emails();
    expect(sent.filter((mail) => mail.to.some((to) => to.address === newEmail))).toHaveLength(1);
    expect(sent.filter((mail) => mail.to.some((to) => to.address === user.email))).toEqual([]);
  });

  it('reminds nobody exempt, expired, or past the maximum age', async () => {
    const exempt = await activeUser();
    const expired = await activeUser();
    const exempted = await lapse.admin(
      'PUT',
      `/api/v1/users/${exempt.id}/credentials/password_expiry_exemption`,
      {
        exempt: true,
      },
    );
    expect(exempted.status).toBe(200);
    expect((await lapse.admin('POST', `/api/v1/users/${expired.id}/lifecycle/expire_password`)).status).toBe(
      200,
    );
    await waitFor('the notifier to learn both', async () => {
      const rows = await query<{ exempt: boolean; status: string }>(
        'SELECT exempt, status FROM notifier_password_ages WHERE user_id = ANY($1) ORDER BY exempt',
        [[exempt.id, expired.id]],
      );
      return rows.length === 2 && rows[0].status === 'PASSWORD_EXPIRED' && rows[1].exempt;
    });

    await reminders.scan(clockAt(MAX_AGE_DAYS - 1));
    expect(await remindersOf(exempt.id)).toEqual([]);
    expect(await remindersOf(expired.id)).toEqual([]);

    const late = await activeUser();
    await reminders.scan(clockAt(MAX_AGE_DAYS + 1));
    expect(await remindersOf(late.id)).toEqual([]);
  });

  it("reminds a member of a group by the group policy's window, and a non-member by the default's", async () => {
    const group = await lapse.admin('POST', '/api/v1/groups', { profile: { name: `remind-${Date.now()}` } });
    expect(group.status).toBe(200);
    const policy = await lapse.admin('POST', '/api/v1/policies', {
      type: 'PASSWORD',
      name: `Short-lived ${Date.now()}`,
      conditions: { people: { groups: { include: [group.body.id] } } },
      settings: { password: { age: { maxAgeDays: 10, expireWarnDays: 3 } } },
    });
    expect(policy.status).toBe(200);
    const member = await activeUser();
    const other = await activeUser();
    expect((await lapse.admin('PUT', `/api/v1/groups/${group.body.id}/users/${member.id}`)).status).toBe(204);
    await waitFor(
      'the notifier to learn the group policy',
      async () =>
        (await query('SELECT 1 FROM notifier_group_password_policies WHERE id = $1', [policy.body.id]))
          .length === 1,
      10_000,
    );
    await waitFor(
      'the notifier to learn the membership',
      async () =>
        (await query('SELECT 1 FROM notifier_group_members WHERE user_id = $1', [member.id])).length === 1,
      10_000,
    );

    // Day 8: inside the group policy's window (10 - 3), long before the default's (30 - 5).
    await reminders.scan(clockAt(8));
    expect((await remindersOf(member.id)).map((job) => job.channel)).toEqual(['EMAIL']);
    expect(await remindersOf(other.id)).toEqual([]);

    // Day 27: inside the default's window; the member's password is past its own maximum age by then.
    await reminders.scan(clockAt(MAX_AGE_DAYS - WARN_DAYS + 2));
    expect((await remindersOf(other.id)).map((job) => job.channel)).toEqual(['EMAIL']);
    expect(await remindersOf(member.id)).toHaveLength(1);
  });
});
