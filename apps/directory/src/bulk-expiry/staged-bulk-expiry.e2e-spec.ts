import { randomUUID } from 'node:crypto';
import { FAST_PASSWORD_HASHING, startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { Client } from 'pg';
import { client, startDirectoryTestApp } from '../testing/directory-test-app';
import { statusOnceKnown } from '../../../../test/support/sign-in-status';

const EXPIRE = '/api/v1/users/lifecycle/expire_passwords';
const PASSWORD = 'Initial1pass';

interface Wave {
  number: number;
  size: number;
  state: string;
  startsAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

async function rows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, attempts = 300): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * Staged bulk expiries (`waves: {size, intervalMinutes}`) in the real app: each wave is enforced at identity
 * from its start and not before, the job shows its waves, the waves not started can be cancelled, and the
 * worker starts due waves after a restart and, with two instances, each wave once.
 */
describe('a bulk expiry staged in waves', () => {
  const run = randomUUID().slice(0, 8);

  /** Creates users with one last name (so a filter picks exactly them), sorted by id: the waves' order. */
  async function createUsers(lapse: TestApp, prefix: string, count: number) {
    const lastName = `${prefix}${run}`;
    const users: { id: string; login: string }[] = [];
    for (let i = 0; i < count; i++) {
      const login = `${prefix}-${i}.${run}@example.com`;
      const created = await lapse.admin('POST', '/api/v1/users?activate=true', {
        profile: { login, email: login, firstName: 'Wave', lastName },
        credentials: { password: { value: PASSWORD } },
      });
      expect(created.status).toBe(200);
      users.push({ id: created.body.id, login });
    }
    users.sort((a, b) => (a.id < b.id ? -1 : 1));
    return { users, filter: `profile.lastName eq "${lastName}"` };
  }

  describe('with waves a minute apart', () => {
    let lapse: TestApp;
    const signIn = async (username: string) =>
      (await lapse.request('POST', '/api/v1/authn', { username, password: PASSWORD })).body.status as string;

    beforeAll(async () => {
      lapse = await startTestApp({ env: { ...FAST_PASSWORD_HASHING } });
    });
    afterAll(() => lapse.close());

    it('plans the waves in a dry run, changing nothing', async () => {
      const { users, filter } = await createUsers(lapse, 'Plan', 3);
      const dry = await lapse.admin('POST', EXPIRE, {
        filter,
        waves: { size: 2, intervalMinutes: 15 },
        dryRun: true,
      });
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        total: 3,
        waves: [
          { number: 1, size: 2 },
          { number: 2, size: 1 },
        ],
      });
      expect(Date.parse(dry.body.waves[1].startsAt) - Date.parse(dry.body.waves[0].startsAt)).toBe(
        15 * 60_000,
      );
      expect(await statusOnceKnown(lapse, users[0].login, PASSWORD)).toBe('SUCCESS');
    });

    it('expires the first wave at once, not the others, and cancels the rest: what was expired stays expired', async () => {
      const { users, filter } = await createUsers(lapse, 'Cancel', 5);
      const started = await lapse.admin('POST', EXPIRE, { filter, waves: { size: 2, intervalMinutes: 1 } });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({
        total: 5,
        wavePlan: { size: 2, intervalMinutes: 1 },
        waves: [
          { number: 1, size: 2, state: 'RUNNING' },
          { number: 2, size: 2, state: 'PENDING', startedAt: null },
          { number: 3, size: 1, state: 'PENDING', startedAt: null },
        ],
      });
      const jobId = started.body.id as string;

      const firstWave = users.slice(0, 2).map((user) => user.login);
      const expired = await until('identity to refuse the first wave', async () => {
        const statuses = await Promise.all(firstWave.map(signIn));
        return statuses.every((status) => status === 'PASSWORD_EXPIRED') ? statuses : undefined;
      });
      expect(expired).toEqual(['PASSWORD_EXPIRED', 'PASSWORD_EXPIRED']);
      for (const user of users.slice(2)) expect(await signIn(user.login)).toBe('SUCCESS');

      const cancelled = await lapse.admin('POST', `/api/v1/jobs/${jobId}/lifecycle/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ total: 2, cancelled: 3 });
      expect(cancelled.body.waves.map((wave: Wave) => wave.state).slice(1)).toEqual([
        'CANCELLED',
        'CANCELLED',
      ]);

      const job = await until('the job to complete', async () => {
        const answer = await lapse.admin('GET', `/api/v1/jobs/${jobId}`);
        return answer.body.status === 'COMPLETED' ? answer.body : undefined;
      });
      expect(job).toMatchObject({ total: 2, done: 2, expired: 2, skipped: 0, cancelled: 3 });
      expect(job.waves.map((wave: Wave) => wave.state)).toEqual(['COMPLETED', 'CANCELLED', 'CANCELLED']);
      for (const login of firstWave) expect(await signIn(login)).toBe('PASSWORD_EXPIRED');
      for (const user of users.slice(2)) {
        expect(await signIn(user.login)).toBe('SUCCESS');
        expect((await lapse.admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('ACTIVE');
      }

      const again = await lapse.admin('POST', `/api/v1/jobs/${jobId}/lifecycle/cancel`);
      expect(again.status).toBe(403);
      expect(again.body).toMatchObject({
        errorCode: 'E0000038',
        errorCauses: [{ errorSummary: 'The job has completed.' }],
      });
      const log = await lapse.admin(
        'GET',
        `/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.lifecycle.password_mass_expiry.cancel"')}`,
      );
      expect(log.body.map((entry: { target: { id: string }[] }) => entry.target[0].id)).toContain(jobId);
    });

    it('refuses to cancel a job without waves (403 E0000038) or one that does not exist (404)', async () => {
      const { users } = await createUsers(lapse, 'NoWaves', 1);
      const job = await lapse.admin('POST', EXPIRE, { userIds: [users[0].id] });
      const refused = await lapse.admin('POST', `/api/v1/jobs/${job.body.id}/lifecycle/cancel`);
      expect(refused.status).toBe(403);
      expect(refused.body.errorCode).toBe('E0000038');
      expect((await lapse.admin('POST', `/api/v1/jobs/${randomUUID()}/lifecycle/cancel`)).status).toBe(404);
    });

    it.each([
      [{ size: 0, intervalMinutes: 5 }],
      [{ size: 2, intervalMinutes: 0 }],
      [{ size: 2 }],
      [{ size: 2, intervalMinutes: 5, start: 'now' }],
    ])('refuses the plan %j (400 E0000001)', async (waves) => {
      const response = await lapse.admin('POST', EXPIRE, { waves });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
    });
  });

  describe('with waves a fraction of a second apart (BULK_EXPIRY_WAVE_MINUTE_MS)', () => {
    let lapse: TestApp;
    const signIn = async (username: string) =>
      (await lapse.request('POST', '/api/v1/authn', { username, password: PASSWORD })).body.status as string;

    beforeAll(async () => {
      lapse = await startTestApp({
        env: { ...FAST_PASSWORD_HASHING, BULK_EXPIRY_WAVE_MINUTE_MS: '300', BULK_EXPIRY_POLL_MS: '50' },
      });
    });
    afterAll(() => lapse.close());

    it('starts each wave at its time, never before, and completes once the last is done', async () => {
      const { users, filter } = await createUsers(lapse, 'Timed', 3);
      // Identity must know the users first: a sign-in just after a user is created can beat its projection.
      for (const user of users)
        await until(`identity to know ${user.login}`, async () =>
          (await signIn(user.login)) === 'SUCCESS' ? true : undefined,
        );
      const started = await lapse.admin('POST', EXPIRE, { filter, waves: { size: 1, intervalMinutes: 2 } });
      expect(started.status).toBe(202);
      // A user whose wave is still PENDING after their sign-in was not refused.
      const lastStatus = await signIn(users[2].login);
      const afterSignIn = await lapse.admin('GET', `/api/v1/jobs/${started.body.id}`);
      if (afterSignIn.body.waves[2].state === 'PENDING') expect(lastStatus).toBe('SUCCESS');

      const job = await until('the job to complete', async () => {
        const answer = await lapse.admin('GET', `/api/v1/jobs/${started.body.id}`);
        return answer.body.status === 'COMPLETED' ? answer.body : undefined;
      });
      expect(job).toMatchObject({ total: 3, expired: 3, done: 3, cancelled: 0 });
      const waves = job.waves as Wave[];
      expect(waves.map((wave) => wave.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      for (const wave of waves)
        expect(Date.parse(wave.startedAt as string)).toBeGreaterThanOrEqual(Date.parse(wave.startsAt));
      expect(Date.parse(waves[1].startsAt) - Date.parse(waves[0].startsAt)).toBe(600);
      // The job completes in directory once the last wave's expiries are appended; identity applies them
      // moments later (one CI run signed in before it had).
      const statuses = await until('identity to refuse every wave', async () => {
        const answers = await Promise.all(users.map((user) => signIn(user.login)));
        return answers.every((status) => status === 'PASSWORD_EXPIRED') ? answers : undefined;
      });
      expect(statuses).toEqual(['PASSWORD_EXPIRED', 'PASSWORD_EXPIRED', 'PASSWORD_EXPIRED']);
    });
  });

  describe('with a restart and two directory instances', () => {
    it('starts the waves that fell due while no worker ran, each once', async () => {
      const env = {
        BULK_EXPIRY_WAVE_MINUTE_MS: '200',
        BULK_EXPIRY_POLL_MS: '50',
        BULK_EXPIRY_BATCH_SIZE: '1',
      };
      // The instance that takes the request runs no worker: the request starts the first wave, the later
      // ones can only be started by the instances that come up after it.
      const first = await startDirectoryTestApp({ env: { ...env, BULK_EXPIRY_WORKER: 'false' } });
      const admin = client(first.url, `SSWS ${first.adminToken}`);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const created = await admin('POST', '/api/v1/users?activate=true', {
          profile: { login: `restart-${i}.${run}@example.com` },
          credentials: { password: { value: PASSWORD } },
        });
        ids.push(created.body.id);
      }
      const started = await admin('POST', EXPIRE, { userIds: ids, waves: { size: 1, intervalMinutes: 1 } });
      expect(started.status).toBe(202);
      await first.close();
      // Past the later waves' start times, then two instances at once.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const second = await startDirectoryTestApp({ env, databaseUrl: first.databaseUrl });
      const third = await startDirectoryTestApp({ env, databaseUrl: first.databaseUrl });
      try {
        const again = client(second.url, `SSWS ${second.adminToken}`);
        const job = await until('the job to complete', async () => {
          const answer = await again('GET', `/api/v1/jobs/${started.body.id}`);
          return answer.body.status === 'COMPLETED' ? answer.body : undefined;
        });
        expect(job).toMatchObject({ total: 4, expired: 4, done: 4 });
        const waveEvents = await rows<{ wave: number }>(
          first.databaseUrl,
          `SELECT (data->>'wave')::int AS wave FROM lapse_events
            WHERE stream_id = $1 AND type = 'BulkPasswordExpiryWaveStarted' ORDER BY version`,
          [`bulk-job-${started.body.id}`],
        );
        expect(waveEvents.map((row) => row.wave)).toEqual([1, 2, 3, 4]);
        const expiries = await rows<{ stream_id: string }>(
          first.databaseUrl,
          `SELECT stream_id FROM lapse_events WHERE type = 'PasswordExpired' AND data->>'jobId' = $1`,
          [started.body.id],
        );
        expect(expiries.map((row) => row.stream_id).sort()).toEqual(ids.map((id) => `user-${id}`).sort());
      } finally {
        await third.close();
        await second.close();
      }
    }, 60_000);
  });
});
