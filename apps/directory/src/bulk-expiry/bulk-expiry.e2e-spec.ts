import { Client } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';
import { BulkExpiryWorker } from './bulk-expiry.worker';

const HASH =
  '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';
type Api = ReturnType<typeof client>;

async function seed(admin: Api, provider: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const login = `${provider.toLowerCase()}-${i}-${Math.random().toString(36).slice(2)}@example.com`;
    const response = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login },
      credentials: {
        password: { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged: '2025-01-01T00:00:00.000Z' },
        provider: { type: provider },
      },
    });
    expect(response.status).toBe(200);
    ids.push(response.body.id);
  }
  return ids;
}

async function query(url: string, sql: string, params: unknown[] = []) {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    // biome-ignore lint/suspicious/noExplicitAny: spec reads raw rows
    return (await db.query<any>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

async function waitForJob(admin: Api, id: string) {
  for (let i = 0; i < 200; i++) {
    const job = await admin('GET', `/api/v1/jobs/${id}`);
    if (job.body.status === 'COMPLETED') return job.body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('job did not complete');
}

const bulkExpiriesOf = (url: string, jobId: string) =>
  query(url, `SELECT stream_id FROM lapse_events WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`, [
    jobId,
  ]);

describe('expiring all passwords', () => {
  describe('with the fan-out worker running', () => {
    let lapse: DirectoryTestApp;
    let admin: Api;
    let okta: string[];
    let ad: string[];

    beforeAll(async () => {
      lapse = await startDirectoryTestApp({ env: { BULK_EXPIRY_BATCH_SIZE: '3' } });
      admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
      okta = await seed(admin, 'OKTA', 7);
      ad = await seed(admin, 'ACTIVE_DIRECTORY', 2);
    });
    afterAll(() => lapse.close());

    it('answers a dry run with the number of OKTA users it would expire, changing nothing', async () => {
      const response = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', { dryRun: true });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ dryRun: true, total: 7, providers: ['OKTA', 'IMPORT'] });
      expect((await admin('GET', `/api/v1/users/${okta[0]}`)).body.status).toBe('ACTIVE');
    });

    it('refuses AD users unless the org setting for delegated password reset is on (400 E0000001)', async () => {
      const response = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
        providers: ['ACTIVE_DIRECTORY'],
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCauses[0].errorSummary).toMatch(/delegated password reset/);
    });

    it('refuses unknown fields in the body', async () => {
      const response = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
        dryRun: true,
        everyone: true,
      });
      expect(response.status).toBe(400);
    });

    it('is for super admins only (403 E0000006)', async () => {
      const token = await admin('POST', '/api/v1/api-tokens', { name: 'helpdesk', role: 'USER_ADMIN' });
      const helpdesk = client(lapse.url, `SSWS ${token.body.token}`);
      const response = await helpdesk('POST', '/api/v1/users/lifecycle/expire_passwords', { dryRun: true });
      expect(response.status).toBe(403);
      expect(response.body.errorCode).toBe('E0000006');
    });

    it('publishes the one enforcing fact first, then expires every OKTA user with cause BULK, leaving AD users alone', async () => {
      const response = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
        reason: 'credential leak',
      });
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ status: 'RUNNING', total: 7, providers: ['OKTA', 'IMPORT'] });
      expect(response.headers.get('location')).toBe(`${lapse.url}/api/v1/jobs/${response.body.id}`);
      const job = await waitForJob(admin, response.body.id);
      expect(job).toMatchObject({ total: 7, done: 7, expired: 7, skipped: 0 });

      for (const id of okta) {
        const user = (await admin('GET', `/api/v1/users/${id}`)).body;
        expect(user.status).toBe('PASSWORD_EXPIRED');
        expect(user.credentials.password.expired).toMatchObject({ cause: 'BULK', jobId: job.id });
      }
      for (const id of ad) expect((await admin('GET', `/api/v1/users/${id}`)).body.status).toBe('ACTIVE');

      const log = await query(
        lapse.databaseUrl,
        `SELECT type, stream_id FROM lapse_events WHERE stream_id = $1 OR (type = 'PasswordExpired' AND data->>'jobId' = $2)
          ORDER BY transaction_id, global_position`,
        [`bulk-job-${job.id}`, job.id],
      );
      expect(log[0].type).toBe('BulkPasswordExpiryStarted');
      expect(log[log.length - 1].type).toBe('BulkPasswordExpiryCompleted');
      expect(log.filter((row) => row.type === 'PasswordExpired')).toHaveLength(7);

      const audit = await admin(
        'GET',
        `/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.lifecycle.password_mass_expiry"')}`,
      );
      expect(audit.body[0]).toMatchObject({
        outcome: { result: 'SUCCESS', reason: 'credential leak' },
        target: [{ id: job.id }],
      });
    });

    it('answers 404 E0000007 for an unknown job', async () => {
      const response = await admin('GET', '/api/v1/jobs/00000000-0000-4000-8000-000000000000');
      expect(response.status).toBe(404);
      expect(response.body.errorCode).toBe('E0000007');
    });
  });

  describe('counting a job', () => {
    let lapse: DirectoryTestApp;
    let admin: Api;
    let first: { id: string };
    let second: { id: string; total: number; done: number };
    let secondTargets: string[];

    beforeAll(async () => {
      lapse = await startDirectoryTestApp({ env: { BULK_EXPIRY_BATCH_SIZE: '2' } });
      admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
      // An earlier job expires two users; then one user is expired by hand: none of the three is a target.
      await seed(admin, 'OKTA', 2);
      first = await waitForJob(
        admin,
        (await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {})).body.id,
      );
      const [expiredByHand, ...rest] = await seed(admin, 'OKTA', 4);
      secondTargets = rest;
      expect((await admin('POST', `/api/v1/users/${expiredByHand}/lifecycle/expire_password`)).status).toBe(
        200,
      );
      second = await waitForJob(
        admin,
        (await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {})).body.id,
      );
    });
    afterAll(() => lapse.close());

    it('counts only its targets: users already expired before the run are in neither total nor done', () => {
      expect(first).toMatchObject({ total: 2, done: 2, expired: 2, skipped: 0 });
      expect(second).toMatchObject({ status: 'COMPLETED', total: 3, done: 3, expired: 3, skipped: 0 });
    });

    it('reports how many of its users have set a password of their own since the cutoff', async () => {
      expect(second).toMatchObject({ changedSinceCutoff: 0 });
      const [recovered] = secondTargets;
      const update = await admin('POST', `/api/v1/users/${recovered}`, {
        credentials: { password: { value: 'Tangerine-Lamp-42-Orbit' } },
      });
      expect(update.status).toBe(200);
      expect(update.body.status).toBe('ACTIVE');
      // A temporary password from an administrator is not the user's own: not counted.
      await admin(
        'POST',
        `/api/v1/users/${secondTargets[1]}/lifecycle/expire_password_with_temp_password?deliver=none`,
      );
      const job = (await admin('GET', `/api/v1/jobs/${second.id}`)).body;
      expect(job).toMatchObject({ total: 3, done: 3, expired: 3, changedSinceCutoff: 1 });
      expect((await admin('GET', `/api/v1/jobs/${first.id}`)).body.changedSinceCutoff).toBe(0);
    });

    it('lists jobs newest first, paged with limit, after and a Link header', async () => {
      const page = await admin('GET', '/api/v1/jobs?limit=1');
      expect(page.status).toBe(200);
      expect(page.body.map((job: { id: string }) => job.id)).toEqual([second.id]);
      expect(page.body[0]).toMatchObject({ type: 'PASSWORD_MASS_EXPIRY', total: 3, done: 3 });
      const links = page.headers.get('link') ?? '';
      expect(links).toContain(`<${lapse.url}/api/v1/jobs?limit=1>; rel="self"`);
      const next = /<([^>]+)>; rel="next"/.exec(links)?.[1] ?? '';
      expect(next).toBe(`${lapse.url}/api/v1/jobs?limit=1&after=${second.id}`);

      const last = await admin('GET', next.slice(lapse.url.length));
      expect(last.body.map((job: { id: string }) => job.id)).toEqual([first.id]);
      expect(last.headers.get('link')).not.toContain('rel="next"');
      expect((await admin('GET', '/api/v1/jobs')).body.map((job: { id: string }) => job.id)).toEqual([
        second.id,
        first.id,
      ]);
    });

    it('refuses a cursor that is not a job and a limit out of bounds (400 E0000001)', async () => {
      const unknown = await admin('GET', '/api/v1/jobs?after=00000000-0000-4000-8000-000000000000');
      expect(unknown.status).toBe(400);
      expect(unknown.body.errorCauses[0].errorSummary).toMatch(/after: no job has this id/);
      expect((await admin('GET', '/api/v1/jobs?limit=0')).body.errorCode).toBe('E0000001');
      expect((await admin('GET', '/api/v1/jobs?after=not-a-uuid')).status).toBe(400);
    });
  });

  describe('scoped to groups', () => {
    it('expires the members of the groups only, counting only them', async () => {
      const lapse = await startDirectoryTestApp({ env: { BULK_EXPIRY_BATCH_SIZE: '2' } });
      try {
        const admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
        const group = (await admin('POST', '/api/v1/groups', { profile: { name: 'Breached' } })).body.id;
        const users = await seed(admin, 'OKTA', 5);
        const members = users.slice(0, 3);
        for (const id of members)
          expect((await admin('PUT', `/api/v1/groups/${group}/users/${id}`)).status).toBe(204);
        const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
          groupIds: [group],
        });
        expect(started.body).toMatchObject({ total: 3, groupIds: [group] });
        const job = await waitForJob(admin, started.body.id);
        expect(job).toMatchObject({ total: 3, done: 3, expired: 3, skipped: 0 });
        for (const id of users)
          expect((await admin('GET', `/api/v1/users/${id}`)).body.status).toBe(
            members.includes(id) ? 'PASSWORD_EXPIRED' : 'ACTIVE',
          );
        const [fact] = await query(
          lapse.databaseUrl,
          `SELECT data FROM lapse_events WHERE stream_id = $1 AND type = 'BulkPasswordExpiryStarted'`,
          [`bulk-job-${job.id}`],
        );
        expect(fact.data.groupIds).toEqual([group]);
      } finally {
        await lapse.close();
      }
    });
  });

  describe('when the fan-out stops half-way and another process resumes it', () => {
    it('finishes from the checkpoint, skips users who changed their password after the cutoff and leaves newer users untouched', async () => {
      const first = await startDirectoryTestApp({
        env: { BULK_EXPIRY_BATCH_SIZE: '2', BULK_EXPIRY_CONCURRENCY: '1', BULK_EXPIRY_WORKER: 'false' },
      });
      const admin = client(first.url, `SSWS ${first.adminToken}`);
      const targets = await seed(admin, 'OKTA', 6);
      const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {});
      const jobId = started.body.id;
      expect(started.body.total).toBe(6);

      // After the cutoff: one target gets a new (temporary) password, one user is created.
      const changer = [...targets].sort()[5];
      const newcomer = (await seed(admin, 'OKTA', 1))[0];
      await admin(
        'POST',
        `/api/v1/users/${changer}/lifecycle/expire_password_with_temp_password?deliver=none`,
      );

      const worker = first.app.get(BulkExpiryWorker, { strict: false });
      expect(await worker.processBatch(jobId)).toBe('progressed');
      expect((await admin('GET', `/api/v1/jobs/${jobId}`)).body).toMatchObject({
        status: 'RUNNING',
        done: 2,
      });
      await first.close();

      const second = await startDirectoryTestApp({
        databaseUrl: first.databaseUrl,
        env: { BULK_EXPIRY_BATCH_SIZE: '2' },
      });
      try {
        const again = client(second.url, `SSWS ${second.adminToken}`);
        const job = await waitForJob(again, jobId);
        expect(job).toMatchObject({ status: 'COMPLETED', expired: 5, skipped: 1 });
        const expired = (await bulkExpiriesOf(second.databaseUrl, jobId)).map((row) => row.stream_id);
        expect(new Set(expired).size).toBe(expired.length);
        expect(expired.sort()).toEqual(
          targets
            .filter((id) => id !== changer)
            .map((id) => `user-${id}`)
            .sort(),
        );
        expect((await again('GET', `/api/v1/users/${newcomer}`)).body.status).toBe('ACTIVE');
        expect((await again('GET', `/api/v1/users/${changer}`)).body.credentials.password.expired.cause).toBe(
          'ADMIN_TEMP_PASSWORD',
        );
      } finally {
        await second.close();
      }
    });
  });

  describe('when a slice is claimed by another worker', () => {
    it('works the other slices without waiting, leaves the claimed one alone, and finishes it once released', async () => {
      // The request is taken by an instance without a worker; the slice is held before any worker starts.
      const taker = await startDirectoryTestApp({
        env: { BULK_EXPIRY_BATCH_SIZE: '2', BULK_EXPIRY_CONCURRENCY: '4', BULK_EXPIRY_WORKER: 'false' },
      });
      const holder = new Client({ connectionString: taker.databaseUrl });
      await holder.connect();
      let lapse: DirectoryTestApp | undefined;
      try {
        const admin = client(taker.url, `SSWS ${taker.adminToken}`);
        const targets = await seed(admin, 'OKTA', 16);
        const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {});
        const jobId = started.body.id;
        // Another worker mid-batch on slice 0: its row is locked until that transaction ends.
        await holder.query('BEGIN');
        const [zero] = (
          await holder.query(
            'SELECT low::text, high::text FROM directory_bulk_job_slices WHERE job_id = $1 AND slice = 0 FOR UPDATE',
            [jobId],
          )
        ).rows;
        const inZero = (id: string) => id >= zero.low && id < zero.high;
        const others = targets.filter((id) => !inZero(id));
        expect(others.length).toBeLessThan(targets.length); // 16 random ids: slice 0 holds some (~1 in 10⁴ not)

        lapse = await startDirectoryTestApp({
          databaseUrl: taker.databaseUrl,
          env: { BULK_EXPIRY_BATCH_SIZE: '2' },
        });
        // Slices 1–3 finish while slice 0 is held (a worker waiting for it would hold up its loop instead).
        for (let i = 0; i < 200; i++) {
          const [{ n }] = await query(
            taker.databaseUrl,
            'SELECT count(*)::int AS n FROM directory_bulk_job_slices WHERE job_id = $1 AND slice > 0 AND done',
            [jobId],
          );
          if (n === 3) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const whileHeld = (await bulkExpiriesOf(taker.databaseUrl, jobId)).map((row) => row.stream_id);
        expect(whileHeld.sort()).toEqual(others.map((id) => `user-${id}`).sort());
        expect((await admin('GET', `/api/v1/jobs/${jobId}`)).body.status).toBe('RUNNING');

        await holder.query('COMMIT');
        const job = await waitForJob(admin, jobId);
        expect(job).toMatchObject({ status: 'COMPLETED', expired: targets.length, skipped: 0 });
        const expired = (await bulkExpiriesOf(taker.databaseUrl, jobId)).map((row) => row.stream_id);
        expect(expired.sort()).toEqual(targets.map((id) => `user-${id}`).sort());
      } finally {
        await holder.end();
        await lapse?.close();
        await taker.close();
      }
    });
  });

  describe('with two directory instances on one database', () => {
    it('shares the fan-out between both workers, each user expired exactly once', async () => {
      const env = { BULK_EXPIRY_BATCH_SIZE: '1', BULK_EXPIRY_CONCURRENCY: '4', BULK_EXPIRY_POLL_MS: '50' };
      const first = await startDirectoryTestApp({ env });
      const second = await startDirectoryTestApp({ env, databaseUrl: first.databaseUrl });
      try {
        // Which batches each instance's worker did (wrapping the instance's own method).
        const batchesBy = (lapse: DirectoryTestApp) => {
          const worker = lapse.app.get(BulkExpiryWorker, { strict: false }) as unknown as {
            processSliceBatch: (...args: unknown[]) => Promise<string>;
          };
          const original = worker.processSliceBatch.bind(worker);
          const done = { progressed: 0 };
          worker.processSliceBatch = async (...args: unknown[]) => {
            const outcome = await original(...args);
            if (outcome === 'progressed') done.progressed++;
            return outcome;
          };
          return done;
        };
        const byFirst = batchesBy(first);
        const bySecond = batchesBy(second);
        const admin = client(first.url, `SSWS ${first.adminToken}`);
        const targets = await seed(admin, 'OKTA', 120);
        const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {});
        const job = await waitForJob(admin, started.body.id);
        expect(job).toMatchObject({ status: 'COMPLETED', expired: targets.length, skipped: 0 });
        const expired = (await bulkExpiriesOf(first.databaseUrl, started.body.id)).map(
          (row) => row.stream_id,
        );
        expect(expired.length).toBe(targets.length);
        expect(new Set(expired).size).toBe(targets.length);
        expect(byFirst.progressed + bySecond.progressed).toBe(targets.length);
        expect(byFirst.progressed).toBeGreaterThan(0);
        expect(bySecond.progressed).toBeGreaterThan(0);
      } finally {
        await second.close();
        await first.close();
      }
    }, 60_000);
  });

  describe('with the org setting for delegated password reset on', () => {
    it('includes ACTIVE_DIRECTORY users by default and records the expiry for the directory agent', async () => {
      const lapse = await startDirectoryTestApp({ env: { ORG_DELEGATED_PASSWORD_RESET: 'true' } });
      try {
        const admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
        const [adUser] = await seed(admin, 'ACTIVE_DIRECTORY', 1);
        await seed(admin, 'OKTA', 1);
        const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {});
        expect(started.body.providers).toEqual(['OKTA', 'IMPORT', 'ACTIVE_DIRECTORY', 'LDAP']);
        const job = await waitForJob(admin, started.body.id);
        expect(job.expired).toBe(2);
        const [event] = await query(
          lapse.databaseUrl,
          `SELECT data FROM lapse_events WHERE stream_id = $1 AND type = 'PasswordExpired'`,
          [`user-${adUser}`],
        );
        expect(event.data).toMatchObject({
          cause: 'BULK',
          delegated: true,
          provider: { type: 'ACTIVE_DIRECTORY' },
        });
      } finally {
        await lapse.close();
      }
    });
  });
});
