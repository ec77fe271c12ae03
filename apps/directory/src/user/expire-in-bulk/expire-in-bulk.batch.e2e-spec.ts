import { randomUUID } from 'node:crypto';
import { fold, recoveryTokenHash } from '@lapse/shared';
import { Client } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../../testing/directory-test-app';
import type { ExpirePasswordInBulk } from '../domain/user.commands';
import { userDecider } from '../domain/user.decider';
import type { UserEvent } from '../domain/user.events';
import { BulkExpiryWorker, previousUuid } from '../../bulk-expiry/bulk-expiry.worker';
import { expireBatchFromReadModel } from './expire-in-bulk.batch';

const HASH =
  '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';
type Api = ReturnType<typeof client>;

async function createUser(admin: Api, activate = true): Promise<string> {
  const login = `u-${Math.random().toString(36).slice(2)}@example.com`;
  const response = await admin('POST', `/api/v1/users?activate=${activate}`, {
    profile: { login, email: login, firstName: 'Ada' },
    credentials: {
      password: { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged: '2025-01-01T00:00:00.000Z' },
      provider: { type: 'OKTA' },
    },
  });
  expect(response.status).toBe(200);
  return response.body.id;
}

async function withDb<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function runJob(lapse: DirectoryTestApp, admin: Api): Promise<string> {
  const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', { reason: 'leak' });
  expect(started.status).toBe(202);
  const worker = lapse.app.get(BulkExpiryWorker, { strict: false });
  for (let i = 0; i < 50 && (await worker.processBatch(started.body.id)) !== 'completed'; i++);
  return started.body.id;
}

describe('the bulk expiry fast path (the decider in SQL over the read model)', () => {
  let lapse: DirectoryTestApp;
  let admin: Api;
  let service: Api;

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({
      env: { BULK_EXPIRY_BATCH_SIZE: '4', BULK_EXPIRY_CONCURRENCY: '2', BULK_EXPIRY_WORKER: 'false' },
    });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
  });
  afterAll(() => lapse.close());

  it('appends for every user exactly the events the decider decides, and projects the state the decider folds', async () => {
    const users: Record<string, string> = {};
    const lifecycle = async (name: string, ...steps: string[]) => {
      users[name] = await createUser(admin);
      for (const step of steps) {
        const api = step.startsWith('/internal') ? service : admin;
        const response = await api('POST', step.replace(':id', users[name]));
        expect(response.status).toBeLessThan(300);
      }
    };
    await lifecycle('active');
    await lifecycle('recovery', '/api/v1/users/:id/lifecycle/reset_password?sendEmail=false');
    await lifecycle('suspended', '/api/v1/users/:id/lifecycle/suspend');
    await lifecycle('locked', '/internal/v1/users/:id/lifecycle/lock');
    await lifecycle('expired by an admin', '/api/v1/users/:id/lifecycle/expire_password');
    await lifecycle(
      'suspended after an admin expiry',
      '/api/v1/users/:id/lifecycle/expire_password',
      '/api/v1/users/:id/lifecycle/suspend',
    );
    await lifecycle(
      'with a temporary password',
      '/api/v1/users/:id/lifecycle/expire_password_with_temp_password?deliver=none',
    );
    await lifecycle('deactivated', '/api/v1/users/:id/lifecycle/deactivate');
    users.staged = await createUser(admin, false);

    const jobId = await runJob(lapse, admin);
    const job = (await admin('GET', `/api/v1/jobs/${jobId}`)).body;
    const command = await withDb(lapse.databaseUrl, async (db) => {
      const { rows } = await db.query('SELECT cutoff, reason FROM directory_bulk_jobs WHERE id = $1', [
        jobId,
      ]);
      const cutoff = rows[0].cutoff.toISOString();
      return { type: 'ExpirePasswordInBulk', jobId, cutoff, reason: rows[0].reason, at: cutoff };
    });

    const expired: string[] = [];
    for (const [name, id] of Object.entries(users)) {
      const { events, readModel } = await withDb(lapse.databaseUrl, async (db) => ({
        events: (
          await db.query(
            `SELECT type, schema_version AS "schemaVersion", data, metadata FROM lapse_events
              WHERE stream_id = $1 ORDER BY version`,
            [`user-${id}`],
          )
        ).rows,
        readModel: (
          await db.query('SELECT version, status, state FROM directory_users_current WHERE id = $1', [id])
        ).rows[0],
      }));
      const byJob = events.filter((event) => event.metadata.causationId === jobId);
      const before = events.slice(0, events.length - byJob.length) as UserEvent[];
      const decided = userDecider.decide(command as ExpirePasswordInBulk, fold(userDecider, before));
      expect({
        name,
        events: byJob.map(({ type, schemaVersion, data }) => ({ type, schemaVersion, data })),
      }).toEqual({ name, events: decided });
      const folded = fold(userDecider, events as UserEvent[]);
      expect({ name, state: readModel.state, version: readModel.version, status: readModel.status }).toEqual({
        name,
        state: JSON.parse(JSON.stringify(folded)),
        version: events.length,
        status: folded.status,
      });
      if (byJob.length > 0) expired.push(name);
    }
    expect(expired.sort()).toEqual(['active', 'locked', 'recovery', 'suspended']);
    // The five others were not eligible at the cutoff (one suspended with an expiry in force among them):
    // not targets, so counted nowhere, neither in `total` nor as skipped.
    expect(job).toMatchObject({ status: 'COMPLETED', total: 4, done: 4, expired: 4, skipped: 0 });

    // Identity's fallback read of the credential includes the expiry, at the expiry's stream version.
    const credential = await service('GET', `/internal/v1/users/${users.recovery}/credential-state`);
    expect(credential.body).toMatchObject({
      status: 'PASSWORD_EXPIRED',
      passwordExpired: true,
      passwordHash: HASH,
      changedAt: command.cutoff,
    });
    const { rows } = await withDb(lapse.databaseUrl, (db) =>
      db.query('SELECT max(version) AS v FROM lapse_events WHERE stream_id = $1', [`user-${users.recovery}`]),
    );
    expect(credential.body.credentialVersion).toBe(rows[0].v);

    // The admin API presents the expiry the fan-out set (by id and in the user list alike).
    const presented = (await admin('GET', `/api/v1/users/${users.locked}`)).body;
    const listed = (
      await admin('GET', `/api/v1/users?search=${encodeURIComponent(`id eq "${users.locked}"`)}`)
    ).body;
    expect(listed).toEqual([presented]);
    expect(presented).toMatchObject({
      status: 'LOCKED_OUT',
      lastUpdated: command.cutoff,
      credentials: { password: { expired: { cause: 'BULK', jobId, at: command.cutoff } } },
    });

    // The next event of an expired user writes the folded state whole and clears the pending bulk expiry.
    for (const [name, step] of [
      ['suspended', '/api/v1/users/:id/lifecycle/unsuspend'],
      ['active', '/api/v1/users/:id/lifecycle/reset_password?sendEmail=false'],
    ]) {
      expect((await admin('POST', step.replace(':id', users[name]))).status).toBe(200);
      const { events, stored, read } = await withDb(lapse.databaseUrl, async (db) => ({
        events: (
          await db.query(
            'SELECT type, data, metadata FROM lapse_events WHERE stream_id = $1 ORDER BY version',
            [`user-${users[name]}`],
          )
        ).rows as UserEvent[],
        stored: (
          await db.query(
            `SELECT state, version,
                    EXISTS (SELECT FROM directory_bulk_expired WHERE user_id = u.id) AS bulk_expiry_pending
               FROM directory_users u WHERE id = $1`,
            [users[name]],
          )
        ).rows[0],
        read: (await db.query('SELECT state FROM directory_users_current WHERE id = $1', [users[name]]))
          .rows[0],
      }));
      const folded = JSON.parse(JSON.stringify(fold(userDecider, events)));
      expect({ name, stored, read }).toEqual({
        name,
        stored: { state: folded, version: events.length, bulk_expiry_pending: false },
        read: { state: folded },
      });
      expect({ name, expiry: folded.expiry }).toMatchObject({ name, expiry: { cause: 'BULK', jobId } });
    }
    expect((await admin('GET', `/api/v1/users/${users.suspended}`)).body.status).toBe('PASSWORD_EXPIRED');
  });

  it('takes a user whose stream moved on while the batch ran through the decider, which sees the new password', async () => {
    const [first, second] = [await createUser(admin), await createUser(admin)];
    const started = await admin('POST', '/api/v1/users/lifecycle/expire_passwords', {});
    const jobId = started.body.id;

    // A writer appends to `first` (a password set after the cutoff) and keeps its transaction open.
    const writer = new Client({ connectionString: lapse.databaseUrl });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      const { rows } = await writer.query('SELECT version FROM directory_users WHERE id = $1', [first]);
      // After the job's cutoff (taken when it started), and not in the future: a changedAt ahead of the clock
      // kept `first` out of the next test's dry-run count until that moment passed (a CI flake).
      await new Promise((resolve) => setTimeout(resolve, 5));
      const changedAt = new Date().toISOString();
      await writer.query(
        `INSERT INTO lapse_events (stream_id, stream_type, version, event_id, type, schema_version, data, metadata)
         VALUES ($1, 'user', $2, gen_random_uuid(), 'PasswordSet', 1, $3, $4)`,
        [
          `user-${first}`,
          rows[0].version + 1,
          { login: 'x', hash: '$argon2id$new', changedAt, by: 'ADMIN' },
          { eventId: 'e', correlationId: 'c', causationId: null, actor: 'test', occurredAt: changedAt },
        ],
      );
      await writer.query(
        'UPDATE directory_users SET version = version + 1, password_changed_at = $2 WHERE id = $1',
        [first, changedAt],
      );

      const worker = lapse.app.get(BulkExpiryWorker, { strict: false });
      const batches = (async () => {
        for (let i = 0; i < 50 && (await worker.processBatch(jobId)) !== 'completed'; i++);
      })();
      // The batch's insert for `first` waits on the writer's uncommitted row; then the writer commits.
      await withDb(lapse.databaseUrl, async (db) => {
        for (let i = 0; i < 200; i++) {
          const { rows: waiting } = await db.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE '%candidates%' AND pid <> pg_backend_pid()`,
          );
          if (waiting.length > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error('the batch never waited on the writer');
      });
      await writer.query('COMMIT');
      await batches;
    } finally {
      await writer.end();
    }

    const job = (await admin('GET', `/api/v1/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ status: 'COMPLETED', expired: 1 });
    expect((await admin('GET', `/api/v1/users/${first}`)).body.status).toBe('ACTIVE');
    expect((await admin('GET', `/api/v1/users/${second}`)).body.status).toBe('PASSWORD_EXPIRED');
    await withDb(lapse.databaseUrl, async (db) => {
      const { rows } = await db.query(
        `SELECT stream_id FROM lapse_events WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`,
        [jobId],
      );
      expect(rows.map((row) => row.stream_id)).toContain(`user-${second}`);
      expect(rows.map((row) => row.stream_id)).not.toContain(`user-${first}`);
    });
  });

  it('finds bulk-expired users by status in searches and filters, page by page in id order, and a later command continues at the expiry', async () => {
    const since = new Date().toISOString();
    const expiring = [await createUser(admin), await createUser(admin), await createUser(admin)];
    const recovering = await createUser(admin);
    const link = await admin('POST', `/api/v1/users/${recovering}/lifecycle/reset_password?sendEmail=false`);
    const recoveryHash = recoveryTokenHash(link.body.resetPasswordUrl.split('/reset_password/')[1]);
    const verify = () =>
      service('POST', '/internal/v1/recovery-tokens/verify', { recoveryTokenHash: recoveryHash });
    expect((await verify()).status).toBe(200);
    const dryRun = async () =>
      (await admin('POST', '/api/v1/users/lifecycle/expire_passwords', { dryRun: true })).body.total;
    const targetsBefore = await dryRun();
    const jobId = await runJob(lapse, admin);
    const createdLater = await createUser(admin);
    const expired = [...expiring, recovering].sort();

    /** Every page of `GET /api/v1/users?<name>=<expression>&limit=<limit>`, following rel="next". */
    const listAll = async (name: string, expression: string, limit: number) => {
      const ids: string[] = [];
      let path: string | undefined =
        `/api/v1/users?${name}=${encodeURIComponent(`created ge "${since}" and ${expression}`)}&limit=${limit}`;
      while (path) {
        const page = await admin('GET', path);
        expect(page.status).toBe(200);
        ids.push(...page.body.map((user: { id: string }) => user.id));
        path = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1]?.replace(lapse.url, '');
      }
      return ids;
    };
    expect(await listAll('search', 'status eq "PASSWORD_EXPIRED"', 200)).toEqual(expired);
    expect(await listAll('filter', 'status eq "PASSWORD_EXPIRED"', 2)).toEqual(expired);
    expect(await listAll('search', 'status eq "ACTIVE"', 200)).toEqual([createdLater]);
    expect(
      await listAll(
        'search',
        '(status eq "ACTIVE" or status eq "PASSWORD_EXPIRED") and profile.firstName eq "Ada"',
        1,
      ),
    ).toEqual([...expired, createdLater].sort());
    expect(await listAll('search', 'status eq "RECOVERY"', 200)).toEqual([]);
    expect(await listAll('search', `lastUpdated ge "${since}"`, 3)).toEqual(
      [...expired, createdLater].sort(),
    );

    // The expiry ended the reset link, and the job's expired users are no target of the next job.
    expect((await verify()).status).toBe(401);
    // This org-wide job took every target there was (earlier tests' ACTIVE users too); only the user created
    // after it is a target of the next.
    const job = (await admin('GET', `/api/v1/jobs/${jobId}`)).body;
    expect(job).toMatchObject({ status: 'COMPLETED', total: targetsBefore, expired: targetsBefore });
    expect(targetsBefore).toBeGreaterThanOrEqual(expired.length);
    expect(await dryRun()).toBe(1);

    // A later command appends after the bulk expiry and projects from its version and status.
    const [user] = expiring;
    expect((await admin('POST', `/api/v1/users/${user}/lifecycle/suspend`)).status).toBe(200);
    const { events, stored } = await withDb(lapse.databaseUrl, async (db) => ({
      events: (
        await db.query('SELECT type, metadata FROM lapse_events WHERE stream_id = $1 ORDER BY version', [
          `user-${user}`,
        ])
      ).rows as { type: string; metadata: { causationId: string | null } }[],
      stored: (await db.query('SELECT version, status FROM directory_users_current WHERE id = $1', [user]))
        .rows[0],
    }));
    const bulkExpiry = events.findIndex(
      (event) => event.type === 'PasswordExpired' && event.metadata.causationId === jobId,
    );
    expect(bulkExpiry).toBeGreaterThan(0);
    expect(events.slice(bulkExpiry + 1).map((event) => event.type)).toContain('UserStatusChanged');
    expect(stored).toEqual({ version: events.length, status: 'SUSPENDED' });
    const presented = (await admin('GET', `/api/v1/users/${user}`)).body;
    expect(presented).toMatchObject({
      status: 'SUSPENDED',
      credentials: { password: { expired: { cause: 'BULK', jobId } } },
    });
    expect((await admin('POST', `/api/v1/users/${user}/lifecycle/unsuspend`)).status).toBe(200);
    expect((await admin('GET', `/api/v1/users/${user}`)).body.status).toBe('PASSWORD_EXPIRED');
  });

  it("stops a batch at its slice's upper end even when the walk by id reads past it", async () => {
    const ids = [] as string[];
    for (let i = 0; i < 6; i++) ids.push(await createUser(admin));
    ids.sort();
    await withDb(lapse.databaseUrl, async (db) => {
      await db.query('BEGIN');
      try {
        const cutoff = new Date(Date.now() + 1000).toISOString();
        const batch = await expireBatchFromReadModel(db, {
          jobId: randomUUID(),
          cutoff,
          providers: ['OKTA'],
          reason: null,
          actor: 'spec',
          correlationId: randomUUID(),
          now: cutoff,
          after: previousUuid(ids[0]),
          before: ids[3],
          limit: 100,
        });
        // Users of the earlier cases lie between these ids too: the last one examined is the last below the end.
        const { rows: below } = await db.query(
          'SELECT id FROM directory_users WHERE id < $1 ORDER BY id DESC LIMIT 1',
          [ids[3]],
        );
        expect(batch.lastId).toBe(below[0].id);
        expect(batch.conflicted).toEqual([]);
        const { rows } = await db.query(
          `SELECT substr(stream_id, 6) AS id FROM lapse_events
            WHERE type = 'PasswordExpired' AND stream_id = ANY($1::text[]) ORDER BY 1`,
          [ids.map((id) => `user-${id}`)],
        );
        expect(rows.map((row) => row.id)).toEqual(ids.slice(0, 3));
      } finally {
        await db.query('ROLLBACK');
      }
    });
  });
});
