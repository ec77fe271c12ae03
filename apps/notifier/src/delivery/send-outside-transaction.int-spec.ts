import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { notifierManifest } from '../notifier.manifest';
import { MaildevCaptureServer } from '../mail-capture/maildev-capture-server';
import { DeliveryHarness } from '../testing/delivery-harness';
import { deliveryJobs } from './delivery-jobs.repository';
import { CLAIM_LEASE_MS } from './delivery.worker';

/**
 * An SMTP relay that speaks just enough SMTP for nodemailer and keeps each message waiting after its
 * final dot until the test releases it, so the test can look at the database while the send is in flight.
 */
class HoldingSmtpRelay {
  private held: (() => void) | null = null;
  /** The last message's data (headers and body as sent, quoted-printable soft breaks undone). */
  message = '';
  private constructor(private readonly server: Server) {}

  static async start(): Promise<HoldingSmtpRelay> {
    const relay = new HoldingSmtpRelay(createServer((socket) => relay.converse(socket)));
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get url(): string {
    return `smtp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get holding(): boolean {
    return this.held !== null;
  }

  /** Accepts the message held, answering 250. */
  release(): void {
    this.held?.();
    this.held = null;
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private converse(socket: Socket): void {
    let buffer = '';
    let inData = false;
    socket.on('error', () => undefined);
    socket.write('220 relay.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          this.message = buffer.slice(0, end).replace(/=\r\n/g, '').replace(/=3D/g, '=');
          buffer = buffer.slice(end + 5);
          inData = false;
          this.held = () => socket.write('250 queued\r\n');
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        if (/^(EHLO|HELO)/i.test(line)) socket.write('250-relay.test\r\n250 8BITMIME\r\n');
        else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  }
}

describe('sending with no database transaction open (real PostgreSQL, a real SMTP conversation)', () => {
  let relay: HoldingSmtpRelay;
  let notifier: DeliveryHarness;
  /** A connection of the test's own, to watch the notifier's connections from outside its pool. */
  let observer: Client;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase(notifierManifest.migrations, 'notifier');
    relay = await HoldingSmtpRelay.start();
    notifier = await DeliveryHarness.start({ smtpUrl: relay.url, databaseUrl });
    observer = new Client({ connectionString: databaseUrl });
    await observer.connect();
  });
  afterAll(async () => {
    await observer?.end();
    await notifier?.close();
    await relay?.stop();
  });

  it('holds no transaction while the SMTP relay keeps the message waiting, its link already stored, and records the outcome after', async () => {
    const request = await notifier.request();
    await notifier.deliver(request);
    const drained = notifier.worker.drain();
    let token = '';
    try {
      await waitFor('the relay to hold the message', () => relay.holding, 15_000);
      // The notifier's connections (all but the observer's): idle, none left inside a transaction.
      const { rows } = await observer.query<{ state: string }>(
        `SELECT state FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      const states = rows.map((row) => row.state);
      expect(states).toContain('idle');
      expect(states.filter((state) => state.startsWith('idle in transaction'))).toEqual([]);
      expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'PENDING', attempts: 0 });
      expect(await notifier.eventTypes(request.deliveryId)).toEqual(['DeliveryScheduled']);
      // The link in the message in flight already leads to the page; revealing waits for the send's record.
      token = /\/notifier\/reveal\/([A-Za-z0-9_-]{43})/.exec(relay.message)?.[1] as string;
      expect(token).toBeDefined();
      expect(await notifier.reveals.check(token)).toMatchObject({ kind: 'ready' });
      expect(await notifier.reveals.reveal(token)).toEqual({ kind: 'refused', refusal: 'NOT_SENT' });
    } finally {
      relay.release();
    }
    expect(await drained).toBe(1);
    expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'SENT', attempts: 1 });
    expect(await notifier.eventTypes(request.deliveryId)).toEqual(['DeliveryScheduled', 'DeliverySent']);
    expect(
      await notifier.count('SELECT 1 FROM notifier_reveal_links WHERE delivery_id = $1', [
        request.deliveryId,
      ]),
    ).toBe(1);
    expect(await notifier.reveals.reveal(token)).toMatchObject({ kind: 'revealed' });
  });
});

describe('a job claimed by a lane that died before recording its outcome (real PostgreSQL, real SMTP)', () => {
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

  it('is left to that lane until its lease runs out, then sent by another lane, and the dead claim records nothing', async () => {
    const request = await notifier.request();
    await notifier.deliver(request);
    const now = notifier.clock.now();
    const dead = await deliveryJobs.claimDue(
      notifier.pool,
      now,
      new Date(now.getTime() + CLAIM_LEASE_MS),
      'lane-that-died',
    );
    expect(dead?.jobId).toBe(request.deliveryId);

    expect(await notifier.worker.drain()).toBe(0);
    notifier.clock.advance(CLAIM_LEASE_MS - 1);
    expect(await notifier.worker.drain()).toBe(0);
    notifier.clock.advance(1);
    expect(await notifier.worker.drain()).toBe(1);

    expect(await notifier.job(request.deliveryId)).toMatchObject({ status: 'SENT', attempts: 1 });
    expect(await maildev.waitForEmails(1, request.email as string)).toHaveLength(1);
    const client = await notifier.pool.connect();
    try {
      expect(await deliveryJobs.lockClaimed(client, request.deliveryId, 'lane-that-died')).toBe(false);
    } finally {
      client.release();
    }
  });
});
