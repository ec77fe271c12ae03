import type { PoolClient } from 'pg';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { MaildevCaptureServer } from '../mail-capture/maildev-capture-server';
import { DeliveryHarness } from '../testing/delivery-harness';

describe('the delivery worker’s lanes (real PostgreSQL, real SMTP)', () => {
  let maildev: MaildevCaptureServer;
  let notifier: DeliveryHarness;
  const seen = { transactions: 0, queries: 0 };

  beforeAll(async () => {
    maildev = await MaildevCaptureServer.start();
    notifier = await DeliveryHarness.start({ smtpUrl: maildev.smtpUrl, lanes: 3, pollMs: 25 });
    const pool = notifier.pool;
    // A transaction checks a client out (`connect()` with no callback); `pool.query` checks one out with a
    // callback, counted as a query.
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<PoolClient>;
    const query = pool.query.bind(pool);
    Object.assign(pool, {
      connect: (...args: unknown[]) => {
        if (args.length === 0) seen.transactions++;
        return connect(...args);
      },
      query: (...args: Parameters<typeof query>) => {
        seen.queries++;
        return query(...args);
      },
    });
  });
  afterAll(async () => {
    await notifier?.close();
    await maildev?.stop();
  });

  it('idle, polls with one query at a time and no transaction; woken, all lanes deliver', async () => {
    notifier.worker.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen.transactions = 0;
    seen.queries = 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Three lanes each locking in a transaction every 25 ms would be about 60 transactions here.
    expect(seen.transactions).toBe(0);
    expect(seen.queries).toBeGreaterThan(5);
    expect(seen.queries).toBeLessThanOrEqual(21);

    const requests = await Promise.all(Array.from({ length: 6 }, () => notifier.request()));
    for (const request of requests) await notifier.deliver(request);
    await waitFor('every delivery sent', async () => {
      const jobs = await Promise.all(requests.map((request) => notifier.job(request.deliveryId)));
      return jobs.every((job) => job?.status === 'SENT');
    });
    const emails = await maildev.waitForEmails(6);
    expect(new Set(emails.map((email) => email.to[0]?.address))).toEqual(
      new Set(requests.map((request) => request.email)),
    );
  });

  it('does not spin while a due job is held by a lane mid-send', async () => {
    const request = await notifier.request();
    await notifier.worker.stop();
    const holder = await notifier.pool.connect();
    try {
      // Held as a lane holds the job it is sending: due, but no other lane can claim it.
      await notifier.deliver(request);
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM notifier_delivery_jobs WHERE job_id = $1 FOR UPDATE', [
        request.deliveryId,
      ]);
      notifier.worker.start();
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen.queries = 0;
      seen.transactions = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // One look a poll (25 ms) and the lanes' claims after each: tens, not a tight loop's thousands.
      expect(seen.queries + seen.transactions).toBeLessThan(150);
      await holder.query('ROLLBACK');
    } finally {
      holder.release();
    }
    await waitFor('the held job sent once released', async () => {
      return (await notifier.job(request.deliveryId))?.status === 'SENT';
    });
  });
});
