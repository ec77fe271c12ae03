import { fold } from '@lapse/shared';
import { Client } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../../testing/directory-test-app';
import { ageExpiryReason, userDecider } from '../domain/user.decider';
import type { UserEvent } from '../domain/user.events';
import { PasswordAgeSweeper } from './password-age.sweeper';

const HASH =
  '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';
const DAY_MS = 86_400_000;
const MAX_AGE_DAYS = 90;
type Api = ReturnType<typeof client>;

async function withDb<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** The user's stored events, in order, and its row in the read model `view`. */
async function eventsAndRow(url: string, id: string, view: 'directory_users' | 'directory_users_current') {
  return withDb(url, async (db) => ({
    events: (
      await db.query(
        'SELECT type, schema_version AS "schemaVersion", data FROM lapse_events WHERE stream_id = $1 ORDER BY version',
        [`user-${id}`],
      )
    ).rows as UserEvent[],
    row: (await db.query(`SELECT version, status, state FROM ${view} WHERE id = $1`, [id])).rows[0],
  }));
}

/** A user whose password was last changed `lastChanged`, of `provider`. */
async function createUser(admin: Api, lastChanged: Date, provider = 'OKTA'): Promise<string> {
  const login = `age-${Math.random().toString(36).slice(2)}@example.com`;
  const response = await admin('POST', '/api/v1/users?activate=true', {
    profile: { login, email: login, firstName: 'Ada' },
    credentials: {
      password: { hash: { algorithm: 'ARGON2', value: HASH }, lastChanged: lastChanged.toISOString() },
      provider: { type: provider },
    },
  });
  expect(response.status).toBe(200);
  return response.body.id;
}

async function policyEvents(url: string, userId: string): Promise<UserEvent[]> {
  return withDb(url, async (db) => {
    const { rows } = await db.query(
      `SELECT type, data FROM lapse_events WHERE stream_id = $1 AND type = 'PasswordExpired'
          AND data->>'cause' = 'POLICY'`,
      [`user-${userId}`],
    );
    return rows;
  });
}

describe('the age-expiry sweep', () => {
  let lapse: DirectoryTestApp;
  let second: DirectoryTestApp;
  let admin: Api;
  let sweeper: PasswordAgeSweeper;
  const now = new Date();
  /** Passwords changed before `old` are past the maximum age at `now`. */
  const old = new Date(now.getTime() - (MAX_AGE_DAYS + 1) * DAY_MS);
  const recent = new Date(now.getTime() - (MAX_AGE_DAYS - 1) * DAY_MS);

  beforeAll(async () => {
    const env = { POLICY_SWEEP_INTERVAL_SECONDS: '0', POLICY_SWEEP_BATCH_SIZE: '2' };
    lapse = await startDirectoryTestApp({ env });
    second = await startDirectoryTestApp({ env, databaseUrl: lapse.databaseUrl });
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    sweeper = lapse.app.get(PasswordAgeSweeper);
    const policy = await admin('PUT', '/api/v1/policies/password', { age: { maxAgeDays: MAX_AGE_DAYS } });
    expect(policy.status).toBe(200);
  });
  afterAll(async () => {
    await second?.close();
    await lapse?.close();
  });

  it('expires once the users past the maximum age, and skips exempt, delegated, recent and expired ones', async () => {
    const users = {
      old: await createUser(admin, old),
      imported: await createUser(admin, old, 'IMPORT'),
      recent: await createUser(admin, recent),
      delegated: await createUser(admin, old, 'ACTIVE_DIRECTORY'),
      exempt: await createUser(admin, old),
      expired: await createUser(admin, old),
      suspended: await createUser(admin, old),
    };
    const exempted = await admin(
      'PUT',
      `/api/v1/users/${users.exempt}/credentials/password_expiry_exemption`,
      {
        exempt: true,
        reason: 'service account',
      },
    );
    expect(exempted.status).toBe(200);
    expect((await admin('POST', `/api/v1/users/${users.expired}/lifecycle/expire_password`)).status).toBe(
      200,
    );
    expect((await admin('POST', `/api/v1/users/${users.suspended}/lifecycle/suspend`)).status).toBe(200);

    const first = await sweeper.sweep(now);
    expect(first).toEqual({ expired: 2, batches: 2, yielded: false });

    const status = async (id: string) => (await admin('GET', `/api/v1/users/${id}`)).body.status;
    expect({
      old: await status(users.old),
      imported: await status(users.imported),
      recent: await status(users.recent),
      delegated: await status(users.delegated),
      exempt: await status(users.exempt),
      expired: await status(users.expired),
      suspended: await status(users.suspended),
    }).toEqual({
      old: 'PASSWORD_EXPIRED',
      imported: 'PASSWORD_EXPIRED',
      recent: 'ACTIVE',
      delegated: 'ACTIVE',
      exempt: 'ACTIVE',
      expired: 'PASSWORD_EXPIRED',
      suspended: 'SUSPENDED',
    });
    const presented = (await admin('GET', `/api/v1/users/${users.old}`)).body;
    expect(presented.credentials.password.expired).toMatchObject({ cause: 'POLICY', at: now.toISOString() });

    // Each expired user has exactly one POLICY expiry, the one the decider decides; the row is the fold.
    for (const id of [users.old, users.imported]) {
      const { events, row } = await eventsAndRow(lapse.databaseUrl, id, 'directory_users_current');
      const before = events.slice(0, -1);
      const decided = userDecider.decide(
        { type: 'ExpirePasswordByAge', maxAgeDays: MAX_AGE_DAYS, at: now.toISOString() },
        fold(userDecider, before),
      );
      expect(events.slice(-1)).toEqual(decided);
      expect(decided[0].data).toMatchObject({ cause: 'POLICY', reason: ageExpiryReason(MAX_AGE_DAYS) });
      expect(row).toEqual({
        version: events.length,
        status: 'PASSWORD_EXPIRED',
        state: JSON.parse(JSON.stringify(fold(userDecider, events))),
      });
    }
    for (const id of [users.recent, users.delegated, users.exempt, users.expired, users.suspended])
      expect(await policyEvents(lapse.databaseUrl, id)).toEqual([]);

    // Idempotent: a second sweep at the same instant finds nobody.
    expect(await sweeper.sweep(now)).toEqual({ expired: 0, batches: 1, yielded: false });
    expect(await policyEvents(lapse.databaseUrl, users.old)).toHaveLength(1);

    // The System Log records each expiry, by the system.
    const log = await admin(
      'GET',
      `/api/v1/logs?filter=${encodeURIComponent(`target.id eq "${users.old}" and eventType eq "user.account.expire_password"`)}`,
    );
    expect(log.status).toBe(200);
    expect(log.body).toHaveLength(1);
    expect(log.body[0]).toMatchObject({
      eventType: 'user.account.expire_password',
      actor: { type: 'System' },
      outcome: { result: 'SUCCESS' },
    });

    // Identity's fallback read of the credential includes the expiry, at the expiry's stream version.
    const service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
    const credential = await service('GET', `/internal/v1/users/${users.old}/credential-state`);
    expect(credential.body).toMatchObject({ status: 'PASSWORD_EXPIRED', passwordExpired: true });
  });

  it('leaves every expired user as the decider folds its stream, whatever came before', async () => {
    const service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
    const histories: Record<string, [Api, string][]> = {
      'locked, then unlocked': [
        [service, '/internal/v1/users/:id/lifecycle/lock'],
        [admin, '/api/v1/users/:id/lifecycle/unlock'],
      ],
      'suspended, then unsuspended': [
        [admin, '/api/v1/users/:id/lifecycle/suspend'],
        [admin, '/api/v1/users/:id/lifecycle/unsuspend'],
      ],
      'profile updated': [[admin, '/api/v1/users/:id']],
    };
    const ids: Record<string, string> = {};
    for (const [name, steps] of Object.entries(histories)) {
      ids[name] = await createUser(admin, old);
      for (const [api, path] of steps) {
        const body = path === '/api/v1/users/:id' ? { profile: { firstName: 'Grace' } } : undefined;
        expect((await api('POST', path.replace(':id', ids[name]), body)).status).toBeLessThan(300);
      }
    }
    ids['exempted, then not'] = await createUser(admin, old);
    for (const exempt of [true, false]) {
      const path = `/api/v1/users/${ids['exempted, then not']}/credentials/password_expiry_exemption`;
      expect((await admin('PUT', path, { exempt })).status).toBe(200);
    }

    await sweeper.sweep(now);
    for (const [name, id] of Object.entries(ids)) {
      const { events, row } = await eventsAndRow(lapse.databaseUrl, id, 'directory_users');
      expect({ name, last: events[events.length - 1].data }).toMatchObject({
        name,
        last: { cause: 'POLICY' },
      });
      expect({ name, row }).toEqual({
        name,
        row: {
          version: events.length,
          status: 'PASSWORD_EXPIRED',
          state: JSON.parse(JSON.stringify(fold(userDecider, events))),
        },
      });
    }
  });

  it('expires each user once when two directory instances sweep at the same time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await createUser(admin, old));
    const outcomes = await Promise.all([
      sweeper.sweep(now),
      second.app.get(PasswordAgeSweeper).sweep(now),
      sweeper.sweep(now),
    ]);
    for (const id of ids) expect(await policyEvents(lapse.databaseUrl, id)).toHaveLength(1);
    const expired = outcomes.reduce((sum, outcome) => sum + outcome.expired, 0);
    expect(expired).toBe(ids.length);
    // Whatever a yielding instance left, the next sweep expires (nobody here: all were expired once).
    expect((await sweeper.sweep(now)).expired).toBe(0);
  });

  it('reads only the range of passwords past the maximum age, through its partial index', async () => {
    const plan = await withDb(lapse.databaseUrl, async (db) => {
      // The planner prefers a sequential scan of a table this small; forbidding it shows whether the
      // index can serve the sweep's condition at all (its predicate must be implied by the query's).
      await db.query('SET enable_seqscan = off');
      const { rows } = await db.query(
        `EXPLAIN (FORMAT JSON)
         SELECT u.id FROM directory_users u
          WHERE u.status = 'ACTIVE' AND u.provider_type IN ('OKTA', 'IMPORT') AND NOT (u.state ? 'passwordAgeExempt')
            AND u.password_changed_at <= $1::timestamptz
            AND NOT EXISTS (SELECT FROM directory_bulk_expired b WHERE b.user_id = u.id)
          ORDER BY u.password_changed_at, u.id LIMIT 2`,
        [old.toISOString()],
      );
      return JSON.stringify(rows[0]['QUERY PLAN']);
    });
    expect(plan).toContain('"Index Name":"directory_users_password_age"');
    expect(plan).toMatch(/"Index Cond":"\(u?\.?password_changed_at <= /);
  });
});
