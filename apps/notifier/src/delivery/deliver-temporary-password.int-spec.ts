import { type AddressInfo, createServer } from 'node:net';
import { listDeadLetters } from '@lapse/shared/messaging/dead-letter';
import { MaildevCaptureServer } from '../mail-capture/maildev-capture-server';
import { DeliveryHarness } from '../testing/delivery-harness';
import { generatePrivateJwk, KeyRing } from '../keys/key-ring';
import { sealForNotifier } from '../testing/seal';
import { DELIVERY_CONSUMER, DELIVERY_WORKER } from './park-failed-delivery';

const LINK = /http:\/\/lapse\.test\/notifier\/reveal\/([A-Za-z0-9_-]{43})/;

describe('delivering a temporary password by email (real PostgreSQL, real SMTP)', () => {
  let maildev: MaildevCaptureServer;
  let notifier: DeliveryHarness;

  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    notifier = await DeliveryHarness.start({ smtpUrl: maildev.smtpUrl });
  });
  afterAll(async () => {
    await notifier?.close();
    await maildev?.stop();
  });

  describe('in link mode', () => {
    it('records one job, emails a one-time link without the password, and publishes TemporaryPasswordDelivered', async () => {
      const request = await notifier.request();
      await notifier.deliver(request);
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'PENDING', attempts: 0 });
      await notifier.worker.drain();

      const [mail] = await maildev.waitForEmails(1, request.email as string);
      expect(mail.subject).toBe('Your temporary password');
      expect(mail.text).toMatch(LINK);
      expect(mail.html).toMatch(LINK);
      expect(`${mail.text}${mail.html}`).not.toContain(request.tempPassword);
      const published = await notifier.published(request.deliveryId);
      expect(published).toEqual([
        expect.objectContaining({
          key: request.userId,
          headers: expect.objectContaining({ eventType: 'TemporaryPasswordDelivered' }),
          payload: expect.objectContaining({
            deliveryId: request.deliveryId,
            userId: request.userId,
            channel: 'EMAIL',
          }),
        }),
      ]);
    });

    it('never sends a second message for a redelivered event', async () => {
      const request = await notifier.request();
      const eventId = await notifier.deliver(request);
      await notifier.deliver(request, { eventId });
      await notifier.worker.drain();
      await notifier.deliver(request, { eventId });
      await notifier.worker.drain();
      await maildev.waitForEmails(1, request.email as string);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await maildev.waitForEmails(1, request.email as string)).toHaveLength(1);
      expect(
        await notifier.count('SELECT 1 FROM notifier_delivery_jobs WHERE job_id = $1', [request.deliveryId]),
      ).toBe(1);
      expect(await notifier.eventTypes(request.deliveryId)).toEqual(['DeliveryScheduled', 'DeliverySent']);
    });

    it('reveals the password once behind the link, then refuses and keeps nothing', async () => {
      const request = await notifier.request();
      await notifier.deliver(request);
      await notifier.worker.drain();
      const [mail] = await maildev.waitForEmails(1, request.email as string);
      const token = (LINK.exec(mail.text) as RegExpExecArray)[1];

      expect(await notifier.reveals.check(token)).toMatchObject({ kind: 'ready' });
      expect(await notifier.reveals.check(token)).toMatchObject({ kind: 'ready' });
      expect(await notifier.reveals.reveal(token)).toEqual({
        kind: 'revealed',
        password: request.tempPassword,
        expiresAt: request.expiresAt,
      });
      expect(await notifier.reveals.reveal(token)).toEqual({ kind: 'refused', refusal: 'ALREADY_REVEALED' });
      expect(
        await notifier.count('SELECT 1 FROM notifier_sealed_passwords WHERE delivery_id = $1', [
          request.deliveryId,
        ]),
      ).toBe(0);
      expect(await notifier.eventTypes(request.deliveryId)).toEqual([
        'DeliveryScheduled',
        'DeliverySent',
        'TemporaryPasswordRevealed',
        'SealedPasswordDiscarded',
      ]);
    });

    it('refuses an unknown link', async () => {
      expect(await notifier.reveals.reveal('A'.repeat(43))).toEqual({ kind: 'refused', refusal: 'UNKNOWN' });
      expect(await notifier.reveals.reveal('short')).toEqual({ kind: 'refused', refusal: 'UNKNOWN' });
    });

    it('discards an unviewed envelope when the temporary password expires, and the link then refuses', async () => {
      const request = await notifier.request({
        expiresAt: new Date(notifier.clock.now().getTime() + 60_000).toISOString(),
      });
      await notifier.deliver(request);
      await notifier.worker.drain();
      const [mail] = await maildev.waitForEmails(1, request.email as string);
      const token = (LINK.exec(mail.text) as RegExpExecArray)[1];

      notifier.clock.advance(61_000);
      expect(await notifier.reveals.reveal(token)).toMatchObject({ kind: 'refused', refusal: 'EXPIRED' });
      await notifier.worker.sweep();
      expect(
        await notifier.count('SELECT 1 FROM notifier_sealed_passwords WHERE delivery_id = $1', [
          request.deliveryId,
        ]),
      ).toBe(0);
      expect(
        await notifier.count('SELECT 1 FROM notifier_reveal_links WHERE delivery_id = $1', [
          request.deliveryId,
        ]),
      ).toBe(0);
      expect(await notifier.reveals.reveal(token)).toMatchObject({ kind: 'refused', refusal: 'UNKNOWN' });
      expect((await notifier.eventTypes(request.deliveryId)).at(-1)).toBe('SealedPasswordDiscarded');
    });
  });

  describe('when the user cannot be reached', () => {
    it('publishes TemporaryPasswordDeliveryFailed with reason NO_CHANNEL and sends nothing', async () => {
      const request = await notifier.request({ email: null, mobilePhone: '+15550100' });
      await notifier.deliver(request);
      await notifier.worker.drain();
      const published = await notifier.published(request.deliveryId);
      expect(published.map((message) => message.payload)).toEqual([
        expect.objectContaining({
          deliveryId: request.deliveryId,
          reason: 'NO_CHANNEL',
          attempts: 0,
          channel: null,
        }),
      ]);
      expect(published[0].headers.eventType).toBe('TemporaryPasswordDeliveryFailed');
      expect(await notifier.job(request.deliveryId)).toBeUndefined();
      expect(
        await notifier.count('SELECT 1 FROM notifier_sealed_passwords WHERE delivery_id = $1', [
          request.deliveryId,
        ]),
      ).toBe(0);
    });
  });

  describe('when the envelope does not open', () => {
    it.each([
      ['sealed for another key', 'UNKNOWN_KEY_ID'],
      ['tampered with', 'DECRYPTION_FAILED'],
      ['moved from another delivery', 'DELIVERY_MISMATCH'],
    ])('parks the request in the dead letters and fails the delivery when it was %s', async (how, detail) => {
      const template = await notifier.request();
      let sealed: string;
      if (how === 'sealed for another key') {
        const stranger = await KeyRing.fromJwks([await generatePrivateJwk()]);
        sealed = await sealForNotifier(stranger.jwks().keys[0], {
          ...template,
          tempPassword: template.tempPassword,
        });
      } else if (how === 'tampered with') {
        const parts = template.sealedPassword.split('.');
        parts[3] = parts[3].startsWith('A') ? `B${parts[3].slice(1)}` : `A${parts[3].slice(1)}`;
        sealed = parts.join('.');
      } else {
        sealed = (await notifier.request({ userId: template.userId, tempPassword: template.tempPassword }))
          .sealedPassword;
      }
      const request = { ...template, sealedPassword: sealed };
      const eventId = await notifier.deliver(request);
      await notifier.worker.drain();

      const letters = (await listDeadLetters(notifier.pool, DELIVERY_CONSUMER)).filter(
        (letter) => letter.event_id === eventId,
      );
      expect(letters).toEqual([expect.objectContaining({ reason: `ENVELOPE_UNREADABLE: ${detail}` })]);
      expect(letters[0].payload).not.toContain(sealed);
      const published = await notifier.published(request.deliveryId);
      expect(published.map((message) => message.payload)).toEqual([
        expect.objectContaining({ reason: 'ENVELOPE_UNREADABLE', deliveryId: request.deliveryId }),
      ]);
      expect(
        await maildev.emails().then((all) => all.filter((mail) => mail.to[0]?.address === request.email)),
      ).toEqual([]);
    });
  });
});

describe('delivering in inline mode', () => {
  let maildev: MaildevCaptureServer;
  let notifier: DeliveryHarness;
  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    notifier = await DeliveryHarness.start({ smtpUrl: maildev.smtpUrl, emailMode: 'INLINE' });
  });
  afterAll(async () => {
    await notifier?.close();
    await maildev?.stop();
  });

  it('puts the password in the email and deletes the sealed envelope once sent', async () => {
    const request = await notifier.request();
    await notifier.deliver(request);
    await notifier.worker.drain();
    const [mail] = await maildev.waitForEmails(1, request.email as string);
    expect(mail.text).toContain(request.tempPassword);
    expect(mail.text).not.toMatch(LINK);
    expect(await notifier.count('SELECT 1 FROM notifier_sealed_passwords')).toBe(0);
    expect(await notifier.eventTypes(request.deliveryId)).toEqual([
      'DeliveryScheduled',
      'DeliverySent',
      'SealedPasswordDiscarded',
    ]);
  });
});

describe('when the SMTP relay fails', () => {
  it('retries with backoff and delivers once the relay is back', async () => {
    const { freePort } = await import('@lapse/shared/database/free-port');
    const smtpPort = await freePort();
    const notifier = await DeliveryHarness.start({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, maxAttempts: 3 });
    let maildev: MaildevCaptureServer | undefined;
    try {
      const request = await notifier.request();
      await notifier.deliver(request);
      await notifier.worker.drain();
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'PENDING', attempts: 1 });
      expect(await notifier.worker.drain()).toBe(0);

      maildev = await MaildevCaptureServer.start({ smtpPort });
      notifier.clock.advance(60_000);
      await notifier.worker.drain();
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'SENT', attempts: 2 });
      await maildev.waitForEmails(1, request.email as string);
      expect((await notifier.published(request.deliveryId))[0].payload).toMatchObject({ channel: 'EMAIL' });
    } finally {
      await notifier.close();
      await maildev?.stop();
    }
  });

  it('fails the delivery after the last attempt, publishes the reason and attempts, and parks it', async () => {
    const { freePort } = await import('@lapse/shared/database/free-port');
    const notifier = await DeliveryHarness.start({
      smtpUrl: `smtp://127.0.0.1:${await freePort()}`,
      maxAttempts: 3,
    });
    try {
      const request = await notifier.request();
      await notifier.deliver(request);
      for (let attempt = 0; attempt < 3; attempt++) {
        await notifier.worker.drain();
        notifier.clock.advance(60_000);
      }
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'FAILED', attempts: 3 });
      const published = await notifier.published(request.deliveryId);
      expect(published.map((message) => message.payload)).toEqual([
        expect.objectContaining({
          reason: 'SMTP_FAILED',
          attempts: 3,
          channel: 'EMAIL',
          deliveryId: request.deliveryId,
        }),
      ]);
      expect(await listDeadLetters(notifier.pool, DELIVERY_WORKER)).toEqual([
        expect.objectContaining({
          reason: expect.stringMatching(/^SMTP_FAILED: .*ECONNREFUSED/),
          attempts: 3,
        }),
      ]);
      expect(await notifier.count('SELECT 1 FROM notifier_sealed_passwords')).toBe(0);
    } finally {
      await notifier.close();
    }
  });

  it('requires STARTTLS by default and sends nothing in clear to a relay that does not offer it', async () => {
    // A relay that speaks SMTP but offers no STARTTLS, recording everything the client says.
    const heard: string[] = [];
    const relay = createServer((socket) => {
      socket.write('220 relay.test ESMTP\r\n');
      socket.on('data', (chunk) => {
        const line = chunk.toString();
        heard.push(line);
        if (/^(EHLO|HELO)/i.test(line)) socket.write('250-relay.test\r\n250 8BITMIME\r\n');
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as AddressInfo).port;
    const notifier = await DeliveryHarness.start({
      smtpUrl: `smtp://127.0.0.1:${port}`,
      requireTls: true,
      maxAttempts: 1,
    });
    try {
      const request = await notifier.request();
      await notifier.deliver(request);
      await notifier.worker.drain();
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect((await notifier.published(request.deliveryId))[0].payload).toMatchObject({
        reason: 'SMTP_FAILED',
      });
      expect(heard.join('')).toMatch(/EHLO/);
      expect(heard.join('')).not.toMatch(/MAIL FROM|RCPT TO|DATA/i);
    } finally {
      await notifier.close();
      await new Promise((resolve) => relay.close(resolve));
    }
  });
});
