import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MaildevCaptureServer } from '../../mail-capture/maildev-capture-server';
import { DeliveryHarness } from '../../testing/delivery-harness';
import { spellPhonetically } from './domain/spell-phonetically';

interface ProviderCall {
  readonly body: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
}

/** A real HTTP server standing in for the voice provider; answers with the scripted statuses in turn. */
async function startVoiceProvider(
  statuses: number[],
): Promise<{ url: string; calls: ProviderCall[]; server: Server }> {
  const calls: ProviderCall[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      calls.push({
        body,
        signature: request.headers['x-lapse-signature'] as string | undefined,
        timestamp: request.headers['x-lapse-timestamp'] as string | undefined,
      });
      response.statusCode = statuses[Math.min(calls.length - 1, statuses.length - 1)];
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calls`, calls, server };
}

const SECRET = 'voice-webhook-secret';

describe('delivering a temporary password by voice (real PostgreSQL, real HTTP provider)', () => {
  let maildev: MaildevCaptureServer;
  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
  });
  afterAll(() => maildev?.stop());

  it('calls the provider with the password spelled phonetically, signed with HMAC, retrying a 5xx', async () => {
    const provider = await startVoiceProvider([503, 200]);
    const notifier = await DeliveryHarness.start({
      smtpUrl: maildev.smtpUrl,
      voice: { url: provider.url, secret: SECRET },
    });
    try {
      const request = await notifier.request({
        email: null,
        mobilePhone: '+15550100',
        tempPassword: 'Ab3$xyZ9',
      });
      await notifier.deliver(request);
      await notifier.worker.drain();
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'PENDING', attempts: 1 });
      notifier.clock.advance(60_000);
      await notifier.worker.drain();

      expect(provider.calls).toHaveLength(2);
      const call = provider.calls[1];
      expect(call.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(call.body).digest('hex')}`);
      expect(Number(call.timestamp)).toBeGreaterThan(0);
      const body = JSON.parse(call.body) as { to: string; text: string; deliveryId: string };
      expect(body).toMatchObject({ to: '+15550100', deliveryId: request.deliveryId });
      expect(body.text).toContain(spellPhonetically('Ab3$xyZ9'));
      expect(body.text).toContain('capital Alfa, lowercase bravo, three, dollar sign');
      expect(body.text).not.toContain('Ab3$xyZ9');

      expect((await notifier.published(request.deliveryId)).map((message) => message.payload)).toEqual([
        expect.objectContaining({ channel: 'VOICE', deliveryId: request.deliveryId }),
      ]);
      expect(await notifier.count('SELECT 1 FROM notifier_sealed_passwords')).toBe(0);
    } finally {
      await notifier.close();
      provider.server.close();
    }
  });

  it('fails with VOICE_FAILED at once when the provider refuses the request (4xx)', async () => {
    const provider = await startVoiceProvider([400]);
    const notifier = await DeliveryHarness.start({
      smtpUrl: maildev.smtpUrl,
      voice: { url: provider.url, secret: SECRET },
    });
    try {
      const request = await notifier.request({ channel: 'VOICE', mobilePhone: '+15550101' });
      await notifier.deliver(request);
      await notifier.worker.drain();
      expect(provider.calls).toHaveLength(1);
      expect((await notifier.published(request.deliveryId)).map((message) => message.payload)).toEqual([
        expect.objectContaining({ reason: 'VOICE_FAILED', attempts: 1, channel: 'VOICE' }),
      ]);
    } finally {
      await notifier.close();
      provider.server.close();
    }
  });
});
