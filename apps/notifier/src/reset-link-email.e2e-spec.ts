import { randomBytes } from 'node:crypto';
import { emailedLink, mailTo } from '@lapse/shared/testing/mail';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { MaildevCaptureServer } from './mail-capture/maildev-capture-server';
import { capturingLogger } from './testing/capturing-logger';
import { dumpEveryTable } from './testing/database-dump';

/**
 * An admin's reset with `sendEmail=true` (Okta's default) in the all-in-one app over real SMTP: directory
 * seals the link for the notifier, the notifier emails it, the user follows it and chooses a new password;
 * the email is audited, and the link is nowhere in clear — not in a log line nor in any table.
 */
describe('emailing a reset-password link end to end (all-in-one, real SMTP)', () => {
  let maildev: MaildevCaptureServer;
  let lapse: TestApp;
  const captured = capturingLogger('lapse');

  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    lapse = await startTestApp({
      env: {
        ...mailTo(maildev.smtpUrl),
        ...FAST_PASSWORD_HASHING,
      },
      logger: captured.logger,
    });
  });

  afterAll(async () => {
    await lapse?.close();
    await maildev?.stop();
  });

  const call = (method: string, path: string, body?: unknown, admin = false) =>
    admin ? lapse.admin(method, path, body) : lapse.request(method, path, body);

  it('emails the link, which resets the password once, audited, and leaves the link nowhere in clear', async () => {
    const email = `ada.${randomBytes(4).toString('hex')}@example.com`;
    const created = await call(
      'POST',
      '/api/v1/users?activate=true',
      {
        profile: { login: email, email, firstName: 'Ada', lastName: 'Lovelace' },
        credentials: { password: { value: 'Original-Pw-123' } },
      },
      true,
    );
    expect(created.status).toBe(200);
    const id = created.body.id as string;

    const reset = await call('POST', `/api/v1/users/${id}/lifecycle/reset_password`, undefined, true);
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({});
    expect((await call('GET', `/api/v1/users/${id}`, undefined, true)).body.status).toBe('RECOVERY');

    const [mail] = await maildev.waitForEmails(1, email, 20_000);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toMatch(/expires at \w{3}, \d{2} \w{3} \d{4}/);
    expect(`${mail.text}${mail.html}`.toLowerCase()).not.toContain('temporary');
    const emailed = emailedLink(mail.text, lapse.url, '/reset_password/');
    expect(emailed).toBeDefined();
    const { link, token } = emailed as { link: string; token: string };
    expect(mail.html).toContain(`href="${link}"`);

    expect((await fetch(link)).status).toBe(200);
    const transaction = await call('POST', '/api/v1/authn/recovery/token', { recoveryToken: token });
    expect(transaction.body.status).toBe('PASSWORD_RESET');
    const done = await call('POST', '/api/v1/authn/credentials/reset_password', {
      stateToken: transaction.body.stateToken,
      newPassword: 'Recovered-Pw-456',
    });
    expect(done.body.status).toBe('SUCCESS');
    expect(
      (await call('POST', '/api/v1/authn/recovery/token', { recoveryToken: token })).body.errorCode,
    ).toBe('E0000105');

    const logs = async () =>
      (
        await call(
          'GET',
          `/api/v1/logs?filter=${encodeURIComponent('eventType eq "system.email.password_reset.sent_message"')}`,
          undefined,
          true,
        )
      ).body as { outcome: { result: string }; target: { id: string }[] }[];
    await waitFor(
      'the reset email in the audit log',
      async () => (await logs()).some((entry) => entry.target[0]?.id === id),
      15_000,
    );
    expect((await logs()).find((entry) => entry.target[0]?.id === id)?.outcome.result).toBe('SUCCESS');

    await lapse.close();
    expect(captured.lines.filter((line) => line.includes(token))).toEqual([]);
    const dump = await dumpEveryTable(lapse.databaseUrl);
    expect(dump).toContain(id);
    expect(dump).toContain('RecoveryStarted');
    expect(dump.includes(token)).toBe(false);
    expect(dump).toContain('-- public.notifier_sealed_links (0 rows)');
  });
});
