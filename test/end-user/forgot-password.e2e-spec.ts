import { randomBytes } from 'node:crypto';
import { emailedLink, mailTo } from '@lapse/shared/testing/mail';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually, waitFor } from '@lapse/shared/testing/wait-for';
import { MaildevCaptureServer } from '../../apps/notifier/src/mail-capture/maildev-capture-server';

// biome-ignore lint/suspicious/noExplicitAny: specs read arbitrary JSON
type Json = Record<string, any>;

/**
 * Okta's forgot password (`POST /api/v1/authn/recovery/password`) across the three services of the
 * all-in-one app over real SMTP: one neutral answer for every username; a one-use link emailed to a user
 * who may reset; the link resets the password against the policy and ends every session; one-time password
 * mode gets nothing; requests are limited per username and per client address.
 */
describe('forgot password (authn recovery/password) end to end', () => {
  let maildev: MaildevCaptureServer;
  let lapse: TestApp;
  const PASSWORD = 'Forgotten-Pw-2024!';
  const NEUTRAL = {
    status: 'RECOVERY_CHALLENGE',
    factorResult: 'WAITING',
    factorType: 'EMAIL',
    recoveryType: 'PASSWORD',
  };

  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    lapse = await startTestApp({
      env: {
        ...mailTo(maildev.smtpUrl),
        ...FAST_PASSWORD_HASHING,
        AUTHN_RATE_LIMIT_PER_SECOND: '100',
        RECOVERY_RATE_LIMIT_PER_USER_PER_HOUR: '3',
        RECOVERY_RATE_LIMIT_PER_CLIENT_PER_HOUR: '20',
        // The per-client spec names its client in X-Forwarded-For, trusted from the loopback only.
        TRUST_PROXY: 'loopback',
      },
    });
  });
  afterAll(async () => {
    await lapse?.close();
    await maildev?.stop();
  });

  async function newUser() {
    const login = `kay.${randomBytes(4).toString('hex')}@example.com`;
    const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Kay', lastName: 'Moon' },
      credentials: { password: { value: PASSWORD } },
    });
    expect(created.status).toBe(200);
    const known = await eventually(
      () => lapse.request('POST', '/api/v1/authn', { username: login, password: PASSWORD }),
      (answer) => answer.status === 200,
    );
    expect(known.body.status).toBe('SUCCESS');
    return { id: created.body.id as string, login };
  }

  let clients = 0;
  /** Each request from its own client address unless one is named, so only the per-client spec meets that limit. */
  const forgot = async (username: string, factorType = 'EMAIL', clientIp = `198.51.100.${++clients}`) => {
    const response = await fetch(`${lapse.url}/api/v1/authn/recovery/password`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-forwarded-for': clientIp,
      },
      body: JSON.stringify({ username, factorType }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  };

  const linkIn = (text: string) => emailedLink(text, lapse.url, '/reset_password/')?.token;

  const logsOf = async (id: string, eventType: string) =>
    (
      await lapse.admin(
        'GET',
        `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "${eventType}" and target.id eq "${id}"`)}`,
      )
    ).body as unknown as Json[];

  it('answers every username the same and emails a link only to the user who exists', async () => {
    const { id, login } = await newUser();
    const nobody = `nobody.${randomBytes(4).toString('hex')}@example.com`;
    const forNobody = await forgot(nobody);
    const forUser = await forgot(login);
    expect(forUser.status).toBe(200);
    expect(forNobody.status).toBe(200);
    expect(forUser.body).toEqual(NEUTRAL);
    expect(forNobody.body).toEqual(NEUTRAL);
    expect(forUser.headers.get('cache-control')).toBe('no-store');

    const [mail] = await maildev.waitForEmails(1, login, 20_000);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('Someone, probably you, asked to reset the password');
    expect(mail.text).toContain('If you did not ask, ignore this email: your password stays as it is.');
    expect(linkIn(mail.text)).toBeDefined();
    expect((await maildev.emails()).some((email) => email.to.some((to) => to.address === nobody))).toBe(
      false,
    );
    // The request changes nothing until the link is used: the user is still ACTIVE and signs in as before.
    expect((await lapse.admin('GET', `/api/v1/users/${id}`)).body.status).toBe('ACTIVE');
    expect(
      (await lapse.request('POST', '/api/v1/authn', { username: login, password: PASSWORD })).body.status,
    ).toBe('SUCCESS');
  });

  it('resets the password with the emailed link, checked against the policy and history, and ends every session', async () => {
    const { id, login } = await newUser();
    const session = await fetch(`${lapse.url}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: login, password: PASSWORD }),
    });
    expect(session.status).toBe(200);
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0];

    await forgot(login);
    const [mail] = await maildev.waitForEmails(1, login, 20_000);
    const token = linkIn(mail.text) as string;
    const transaction = await lapse.request('POST', '/api/v1/authn/recovery/token', { recoveryToken: token });
    expect(transaction.status).toBe(200);
    expect(transaction.body).toMatchObject({ status: 'PASSWORD_RESET', _embedded: { user: { id } } });
    const stateToken = transaction.body.stateToken as string;

    const reused = await lapse.request('POST', '/api/v1/authn/credentials/reset_password', {
      stateToken,
      newPassword: PASSWORD,
    });
    expect(reused.status).toBe(403);
    expect(reused.body.errorCode).toBe('E0000080');
    expect(reused.body.errorCauses[0].errorSummary).toContain('cannot be any of your last 4 passwords');

    const done = await lapse.request('POST', '/api/v1/authn/credentials/reset_password', {
      stateToken,
      newPassword: 'Remembered-Pw-2025!',
    });
    expect(done.body.status).toBe('SUCCESS');
    expect(
      (await lapse.request('POST', '/api/v1/authn', { username: login, password: 'Remembered-Pw-2025!' }))
        .body.status,
    ).toBe('SUCCESS');
    expect(
      (await lapse.request('POST', '/api/v1/authn', { username: login, password: PASSWORD })).status,
    ).toBe(401);
    await waitFor('the session from before the reset to end', async () => {
      const me = await fetch(`${lapse.url}/api/v1/sessions/me`, {
        headers: { cookie, accept: 'application/json' },
      });
      return me.status === 404;
    });
    const spent = await lapse.request('POST', '/api/v1/authn/recovery/token', { recoveryToken: token });
    expect(spent.body.errorCode).toBe('E0000105');
  });

  it('sends nothing to a user in one-time (temporary password) mode, with the same answer, and logs the refusal', async () => {
    const { id, login } = await newUser();
    const issued = await lapse.admin(
      'POST',
      `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password`,
    );
    expect(issued.status).toBe(200);
    const answer = await forgot(login);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(NEUTRAL);
    let refusals: Json[] = [];
    await waitFor('the refused self-service reset in the System Log', async () => {
      refusals = (await logsOf(id, 'user.account.reset_password')).filter(
        (entry) => entry.outcome.result === 'FAILURE',
      );
      return refusals.length > 0;
    });
    expect(refusals[0].outcome.reason).toContain('E0000507');
    // The one mail the user gets is the temporary password itself (the admin's `deliver=auto`), which the
    // notifier may send before or after the refusal: once it is there, no reset link went with it.
    const toUser = async () =>
      (await maildev.emails()).filter((email) => email.to.some((to) => to.address === login));
    await waitFor('the temporary password email', async () =>
      (await toUser()).some((email) => email.subject === 'Your temporary password'),
    );
    expect((await toUser()).map((email) => email.subject)).toEqual(['Your temporary password']);
  });

  it('refuses factor types other than EMAIL with 400 E0000001 naming the supported one', async () => {
    const answer = await forgot('anyone@example.com', 'SMS');
    expect(answer.status).toBe(400);
    expect(answer.body.errorCode).toBe('E0000001');
    expect(JSON.stringify(answer.body.errorCauses)).toContain(
      'factorType: must be one of the supported factor types: EMAIL',
    );
  });

  it('limits requests per username (known or not) and per client address with 429 E0000047', async () => {
    const username = `limited.${randomBytes(4).toString('hex')}@example.com`;
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await forgot(username)).status).toBe(200);
    const limited = await forgot(username.toUpperCase());
    expect(limited.status).toBe(429);
    expect(limited.body.errorCode).toBe('E0000047');
    expect(limited.headers.get('x-rate-limit-limit')).toBe('3');

    // 20 per client per hour: a client that tries many usernames runs out; another client does not.
    const client = '203.0.113.9';
    for (let attempt = 0; attempt < 20; attempt += 1)
      expect((await forgot(`probe.${attempt}@example.com`, 'EMAIL', client)).status).toBe(200);
    const answer = await forgot('probe.20@example.com', 'EMAIL', client);
    expect(answer.status).toBe(429);
    expect(answer.body.errorCode).toBe('E0000047');
    expect((await forgot('probe.x@example.com', 'EMAIL', '203.0.113.10')).status).toBe(200);
  });
});
