import { randomUUID } from 'node:crypto';
import { DIRECTORY_EVENT_TYPES, PostgresEventStore, TOPICS } from '@lapse/shared';
import { metadata } from '@lapse/shared/testing/transport-contract';
import { IdentityHarness } from '../testing/identity-harness';

const PASSWORD = 'Correct-Horse-7';
const login = () => `user-${randomUUID()}@example.com`;

describe('sessions', () => {
  const identity = new IdentityHarness();
  beforeAll(() => identity.start(), 30_000);
  afterAll(() => identity.close());

  async function user(overrides: Parameters<IdentityHarness['directory']['addUser']>[0]) {
    const created = await identity.directory.addUser(overrides);
    await identity.projected(created.userId, created.credentialVersion);
    return created;
  }
  const legacy = (username: string, password: string) =>
    identity.post('/api/v1/sessions', { username, password });
  const sessionRows = async (userId: string) =>
    Number(
      (await identity.pool.query('SELECT count(*) FROM identity_sessions WHERE user_id = $1', [userId]))
        .rows[0].count,
    );

  describe('POST /api/v1/sessions in the legacy {username, password} form', () => {
    it('creates a session and sets an HttpOnly SameSite=Lax sid cookie', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const answer = await legacy(ada.login, PASSWORD);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ userId: ada.userId, status: 'ACTIVE', amr: ['pwd'] });
      const cookie = answer.headers.get('set-cookie') ?? '';
      expect(cookie).toContain(`sid=${answer.body.id}`);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i);
    });

    it('answers 401 E0000064 for an expired password, only when the password is right', async () => {
      const expired = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      const right = await legacy(expired.login, PASSWORD);
      expect(right.status).toBe(401);
      expect(right.body).toMatchObject({
        errorCode: 'E0000064',
        errorSummary: 'Password is expired and must be changed.',
      });
      const wrong = await legacy(expired.login, 'Wrong-Password-1');
      expect(wrong.status).toBe(401);
      expect(wrong.body.errorCode).toBe('E0000004');
      expect((await legacy(login(), PASSWORD)).body.errorCode).toBe('E0000004');
    });

    it('leaves no session behind for a refused sign-in, and exactly one for a good one', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const expired = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      expect((await legacy(ada.login, 'Wrong-Password-1')).body.errorCode).toBe('E0000004');
      expect((await legacy(expired.login, PASSWORD)).body.errorCode).toBe('E0000064');
      expect(await sessionRows(ada.userId)).toBe(0);
      expect(await sessionRows(expired.userId)).toBe(0);
      const before = Date.now();
      const opened = await legacy(ada.login, PASSWORD);
      expect(opened.status).toBe(200);
      expect(await sessionRows(ada.userId)).toBe(1);
      const read = await identity.request('GET', `/api/v1/sessions/${opened.body.id}`);
      expect(read.body).toEqual(opened.body);
      const created = Date.parse(String(opened.body.createdAt));
      expect(created).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(String(opened.body.expiresAt)) - created).toBe(120 * 60_000);
    });

    it('verifies against the hash the projection holds, not the one remembered from the last sign-in', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      expect((await legacy(ada.login, PASSWORD)).status).toBe(200);
      const changed = await identity.directory.update(ada.userId, {
        password: 'Another-Horse-8',
        passwordChangedAt: new Date().toISOString(),
      });
      await identity.projected(ada.userId, changed.credentialVersion);
      expect((await legacy(ada.login.toUpperCase(), PASSWORD)).body.errorCode).toBe('E0000004');
      const opened = await legacy(ada.login, 'Another-Horse-8');
      expect(opened.status).toBe(200);
      const { rows } = await identity.pool.query(
        'SELECT credential_version FROM identity_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
        [ada.userId],
      );
      expect(rows[0].credential_version).toBe(changed.credentialVersion);
    });

    it('shares the 4 per second per username limit of /api/v1/authn', async () => {
      const name = login();
      const answers = await Promise.all(Array.from({ length: 10 }, () => legacy(name, 'Whatever-1')));
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(2);
      expect(limited[0].body.errorCode).toBe('E0000047');
    });

    it('refuses a body with neither a session token nor credentials', async () => {
      const answer = await identity.post('/api/v1/sessions', {});
      expect(answer.status).toBe(400);
      expect(answer.body.errorCode).toBe('E0000001');
    });
  });

  describe('an existing session', () => {
    it('is read, refreshed, found through its cookie, and ended', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const created = await legacy(ada.login, PASSWORD);
      const id = created.body.id as string;
      const read = await identity.request('GET', `/api/v1/sessions/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id, userId: ada.userId, login: ada.login });
      const mine = await identity.request('GET', '/api/v1/sessions/me', undefined, { cookie: `sid=${id}` });
      expect(mine.body.id).toBe(id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const refreshed = await identity.post(`/api/v1/sessions/${id}/lifecycle/refresh`);
      expect(refreshed.status).toBe(200);
      expect(new Date(refreshed.body.expiresAt as string).getTime()).toBeGreaterThan(
        new Date(read.body.expiresAt as string).getTime(),
      );
      expect((await identity.request('DELETE', `/api/v1/sessions/${id}`)).status).toBe(204);
      const gone = await identity.request('GET', `/api/v1/sessions/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.errorCode).toBe('E0000007');
      expect((await identity.request('DELETE', `/api/v1/sessions/${id}`)).status).toBe(404);
    });

    it('is not found under a forged id', async () => {
      expect((await identity.request('GET', `/api/v1/sessions/${'C'.repeat(43)}`)).status).toBe(404);
      expect((await identity.request('GET', '/api/v1/sessions/not-a-session')).status).toBe(404);
    });

    it('is checked by other services with one internal call, which needs the service credential', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const id = (await legacy(ada.login, PASSWORD)).body.id;
      const refused = await identity.post('/internal/v1/sessions/verify', { sessionId: id });
      expect(refused.status).toBe(401);
      const auth = { authorization: `Bearer ${identity.serviceToken}` };
      const checked = await identity.post('/internal/v1/sessions/verify', { sessionId: id }, auth);
      expect(checked.body).toMatchObject({ active: true, session: { userId: ada.userId } });
      const unknown = await identity.post(
        '/internal/v1/sessions/verify',
        { sessionId: 'D'.repeat(43) },
        auth,
      );
      expect(unknown.body).toEqual({ active: false });
    });
  });

  describe('when directory publishes SessionsRevoked', () => {
    it('ends the user’s sessions and unspent session tokens', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const sessionId = (await legacy(ada.login, PASSWORD)).body.id;
      const sessionToken = (await identity.post('/api/v1/authn', { username: ada.login, password: PASSWORD }))
        .body.sessionToken;
      await identity.directory.publish(TOPICS.directoryUsers, DIRECTORY_EVENT_TYPES.SessionsRevoked, {
        userId: ada.userId,
        reason: 'expire_password_with_temp_password',
        revokedAt: new Date().toISOString(),
      });
      await identity.caughtUp();
      expect((await identity.request('GET', `/api/v1/sessions/${sessionId}`)).status).toBe(404);
      expect((await identity.post('/api/v1/sessions', { sessionToken })).body.errorCode).toBe('E0000011');
      expect((await legacy(ada.login, PASSWORD)).status).toBe(200);
    });
  });

  describe('when the user is suspended or deactivated and the revocation has not arrived yet', () => {
    const auth = () => ({ authorization: `Bearer ${identity.serviceToken}` });

    it.each(['SUSPENDED', 'DEPROVISIONED'] as const)(
      'counts no session of a %s user as active: get 404, verify inactive, refresh refused',
      async (status) => {
        const ada = await user({ login: login(), password: PASSWORD });
        const id = (await legacy(ada.login, PASSWORD)).body.id as string;
        expect((await identity.request('GET', `/api/v1/sessions/${id}`)).status).toBe(200);
        // Only the credential snapshot: no SessionsRevoked is published.
        const changed = await identity.directory.update(ada.userId, { status });
        await identity.projected(ada.userId, changed.credentialVersion);
        const read = await identity.request('GET', `/api/v1/sessions/${id}`);
        expect(read.status).toBe(404);
        expect(read.body.errorCode).toBe('E0000007');
        const mine = await identity.request('GET', '/api/v1/sessions/me', undefined, { cookie: `sid=${id}` });
        expect(mine.status).toBe(404);
        expect((await identity.post('/internal/v1/sessions/verify', { sessionId: id }, auth())).body).toEqual(
          { active: false },
        );
        const refreshed = await identity.post(`/api/v1/sessions/${id}/lifecycle/refresh`);
        expect(refreshed.status).toBe(404);
        expect(refreshed.body.errorCode).toBe('E0000007');
      },
    );

    it('keeps the sessions of a user whose password was only expired', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const id = (await legacy(ada.login, PASSWORD)).body.id as string;
      const changed = await identity.directory.update(ada.userId, {
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      await identity.projected(ada.userId, changed.credentialVersion);
      expect((await identity.request('GET', `/api/v1/sessions/${id}`)).status).toBe(200);
      expect((await identity.post(`/api/v1/sessions/${id}/lifecycle/refresh`)).status).toBe(200);
    });
  });

  describe('when SessionsRevoked arrives during a sign-in that must change the password', () => {
    it('cancels the transaction: its state token leads to no session', async () => {
      const ada = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      const started = await identity.post('/api/v1/authn', { username: ada.login, password: PASSWORD });
      expect(started.body.status).toBe('PASSWORD_EXPIRED');
      await identity.directory.publish(
        TOPICS.directoryUsers,
        DIRECTORY_EVENT_TYPES.SessionsRevoked,
        { userId: ada.userId, reason: 'USER_SUSPENDED', revokedAt: new Date().toISOString() },
        ada.userId,
      );
      await identity.caughtUp();
      const changed = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken: started.body.stateToken,
        oldPassword: PASSWORD,
        newPassword: 'Another-Horse-8',
      });
      expect(changed.status).toBe(401);
      expect(changed.body.errorCode).toBe('E0000011');
    });
  });

  describe('when SessionsRevoked comes after a new sign-in', () => {
    it('ends only what was created up to the revocation', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const before = (await legacy(ada.login, PASSWORD)).body.id as string;
      const revokedAt = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const after = (await legacy(ada.login, PASSWORD)).body.id as string;
      await identity.directory.publish(
        TOPICS.directoryUsers,
        DIRECTORY_EVENT_TYPES.SessionsRevoked,
        { userId: ada.userId, reason: 'RECOVERY_COMPLETED', revokedAt },
        ada.userId,
      );
      await identity.caughtUp();
      expect((await identity.request('GET', `/api/v1/sessions/${before}`)).status).toBe(404);
      expect((await identity.request('GET', `/api/v1/sessions/${after}`)).status).toBe(200);
      const { rows } = await identity.pool.query(
        'SELECT ended_reason FROM identity_sessions WHERE user_id = $1 AND ended_at IS NOT NULL',
        [ada.userId],
      );
      expect(rows).toEqual([{ ended_reason: 'REVOKED: RECOVERY_COMPLETED' }]);
    });
  });

  describe('DELETE /api/v1/users/{id}/sessions', () => {
    it('needs an admin token with a user-admin role and ends every session of the user', async () => {
      identity.directory.adminTokens.set('token-user-admin', {
        tokenId: 't1',
        name: 'ops',
        role: 'USER_ADMIN',
      });
      identity.directory.adminTokens.set('token-read-only', {
        tokenId: 't2',
        name: 'audit',
        role: 'READ_ONLY_ADMIN',
      });
      const ada = await user({ login: login(), password: PASSWORD });
      const ids = [(await legacy(ada.login, PASSWORD)).body.id, (await legacy(ada.login, PASSWORD)).body.id];
      const path = `/api/v1/users/${ada.userId}/sessions`;
      const anonymous = await identity.request('DELETE', path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.errorCode).toBe('E0000011');
      const forged = await identity.request('DELETE', path, undefined, { authorization: 'SSWS nope' });
      expect(forged.body.errorCode).toBe('E0000011');
      const readOnly = await identity.request('DELETE', path, undefined, {
        authorization: 'SSWS token-read-only',
      });
      expect(readOnly.status).toBe(403);
      expect(readOnly.body.errorCode).toBe('E0000006');
      const done = await identity.request('DELETE', path, undefined, {
        authorization: 'SSWS token-user-admin',
      });
      expect(done.status).toBe(204);
      for (const id of ids)
        expect((await identity.request('GET', `/api/v1/sessions/${id}`)).status).toBe(404);
    });
  });

  describe('when a bulk expiry cutoff arrives', () => {
    it('refuses users whose password was set before it and admits those who changed it after', async () => {
      const before = await user({
        login: login(),
        password: PASSWORD,
        passwordChangedAt: new Date(Date.now() - 60_000).toISOString(),
      });
      const ad = await user({ login: login(), password: PASSWORD, provider: 'ACTIVE_DIRECTORY' });
      await identity.directory.publish(
        TOPICS.directoryUsers,
        DIRECTORY_EVENT_TYPES.BulkPasswordExpiryStarted,
        {
          jobId: randomUUID(),
          cutoff: new Date().toISOString(),
          providers: ['OKTA'],
          total: 2,
          startedAt: new Date().toISOString(),
        },
      );
      await identity.caughtUp();
      const after = await user({
        login: login(),
        password: PASSWORD,
        passwordChangedAt: new Date().toISOString(),
      });
      expect((await legacy(before.login, PASSWORD)).body.errorCode).toBe('E0000064');
      expect((await legacy(after.login, PASSWORD)).status).toBe(200);
      expect((await legacy(ad.login, PASSWORD)).status).toBe(200);
    });
  });

  describe('when the process restarts', () => {
    it('keeps an applied expiry: the old password never yields a session again', async () => {
      const ada = await user({
        login: login(),
        password: PASSWORD,
        passwordChangedAt: new Date().toISOString(),
      });
      expect((await legacy(ada.login, PASSWORD)).status).toBe(200);
      await identity.directory.update(ada.userId, { status: 'PASSWORD_EXPIRED', passwordExpired: true });
      await identity.projected(ada.userId, ada.credentialVersion);
      await identity.restart();
      expect((await legacy(ada.login, PASSWORD)).body.errorCode).toBe('E0000064');
      const authn = await identity.post('/api/v1/authn', { username: ada.login, password: PASSWORD });
      expect(authn.body.status).toBe('PASSWORD_EXPIRED');
    }, 30_000);
  });

  describe('the projection lag', () => {
    it('is a Prometheus metric and a readiness check', async () => {
      // Set after the bulk cutoff of the spec above, so not expired by it.
      const ada = await user({
        login: login(),
        password: PASSWORD,
        passwordChangedAt: new Date().toISOString(),
      });
      expect((await legacy(ada.login, PASSWORD)).status).toBe(200);
      await identity.caughtUp();
      // The sign-in's own audit event is appended to the log just after the answer; the consumer then reads
      // past it. Wait (bounded) for the metric to say so rather than reading it once.
      const readMetrics = () =>
        fetch(`${identity.url}/metrics`, {
          headers: { authorization: `Bearer ${identity.serviceToken}` },
        }).then((response) => response.text());
      let metrics = await readMetrics();
      for (
        let attempt = 0;
        attempt < 100 && !/^lapse_identity_projection_lag_events 0$/m.test(metrics);
        attempt++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        metrics = await readMetrics();
      }
      expect(metrics).toMatch(/^lapse_identity_projection_lag_events 0$/m);
      expect(metrics).toMatch(/^lapse_identity_projection_lag_seconds 0$/m);
      expect(metrics).toMatch(/lapse_identity_sign_ins_total\{answer="SUCCESS"\} \d+/);
      const ready = await identity.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ info: { credentialProjection: { status: 'up', lagEvents: 0 } } });
    });
  });
});

describe('bounded staleness', () => {
  /** An event of a type no consumer handles. */
  const heldEvent = () => ({ event: { type: 'Held', schemaVersion: 1, data: {} }, metadata: metadata() });

  /**
   * An open transaction that appended to the log holds the consumer back (it never reads past a transaction
   * in flight), so events committed after it are visible but not applied: the projection lags for real.
   */
  async function withProjectionHeldBack(identity: IdentityHarness, work: () => Promise<void>): Promise<void> {
    const client = await identity.pool.connect();
    try {
      await client.query('BEGIN');
      await new PostgresEventStore(identity.pool).append(`hold-${randomUUID()}`, 0, [heldEvent()], client);
      await work();
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  async function expiredBehindTheProjection(identity: IdentityHarness) {
    const ada = await identity.directory.addUser({ login: login(), password: PASSWORD });
    await identity.projected(ada.userId, 1);
    return ada;
  }

  describe('failing closed (default)', () => {
    const identity = new IdentityHarness({ PROJECTION_MAX_LAG_MS: '100' });
    beforeAll(() => identity.start(), 30_000);
    afterAll(() => identity.close());

    it('asks directory when the projection is behind, and refuses the old password once directory says expired', async () => {
      const ada = await expiredBehindTheProjection(identity);
      await withProjectionHeldBack(identity, async () => {
        await identity.directory.update(ada.userId, { status: 'PASSWORD_EXPIRED', passwordExpired: true });
        await new Promise((resolve) => setTimeout(resolve, 600));
        const { rows } = await identity.pool.query(
          'SELECT credential_version FROM identity_credentials WHERE user_id = $1',
          [ada.userId],
        );
        expect(rows[0].credential_version).toBe(1);
        expect(
          (await identity.post('/api/v1/sessions', { username: ada.login, password: PASSWORD })).body
            .errorCode,
        ).toBe('E0000064');
      });
      // The session written with the lookup (from the stale projection) was withdrawn.
      const { rows } = await identity.pool.query('SELECT 1 FROM identity_sessions WHERE user_id = $1', [
        ada.userId,
      ]);
      expect(rows).toHaveLength(0);
    }, 20_000);

    it('gathers the sign-ins that need confirming into few calls to a slow directory', async () => {
      const users = await Promise.all(
        Array.from({ length: 40 }, () => identity.directory.addUser({ login: login(), password: PASSWORD })),
      );
      for (const user of users) await identity.projected(user.userId, 1);
      await withProjectionHeldBack(identity, async () => {
        await identity.directory.update(users[0].userId, {
          status: 'PASSWORD_EXPIRED',
          passwordExpired: true,
        });
        await new Promise((resolve) => setTimeout(resolve, 600));
        const callsBefore = identity.directory.credentialStateCalls.length;
        identity.directory.credentialStatesLatencyMs = 300;
        const answers = await Promise.all(
          users.map((user) =>
            identity.post('/api/v1/sessions', { username: user.login, password: PASSWORD }),
          ),
        ).finally(() => {
          identity.directory.credentialStatesLatencyMs = 0;
        });
        // Every sign-in was confirmed: the expired user is refused although the projection says ACTIVE.
        expect(answers[0].body.errorCode).toBe('E0000064');
        expect(answers.slice(1).map((answer) => answer.status)).toEqual(users.slice(1).map(() => 200));
        const calls = identity.directory.credentialStateCalls.slice(callsBefore);
        expect(calls.reduce((sum, users) => sum + users, 0)).toBe(users.length);
        expect(calls.length).toBeLessThan(users.length / 2);
      });
    }, 30_000);

    it('answers 503 E0000050 when directory cannot be asked either', async () => {
      const ada = await expiredBehindTheProjection(identity);
      await withProjectionHeldBack(identity, async () => {
        await identity.directory.publish(TOPICS.directoryUsers, 'UserCreated', {
          userId: randomUUID(),
          login: 'x',
        });
        await new Promise((resolve) => setTimeout(resolve, 600));
        identity.directory.down = true;
        try {
          const answer = await identity.post('/api/v1/sessions', { username: ada.login, password: PASSWORD });
          expect(answer.status).toBe(503);
          expect(answer.body.errorCode).toBe('E0000050');
        } finally {
          identity.directory.down = false;
        }
      });
    }, 20_000);

    it('reports a backlog of thousands of events in its lag metric', async () => {
      await withProjectionHeldBack(identity, async () => {
        await new PostgresEventStore(identity.pool).append(
          `backlog-${randomUUID()}`,
          0,
          Array.from({ length: 2_500 }, heldEvent),
        );
        const metrics = await fetch(`${identity.url}/metrics`, {
          headers: { authorization: `Bearer ${identity.serviceToken}` },
        }).then((response) => response.text());
        // Past 1,000 the backlog is estimated from log positions: the 2,500 events, give or take a few of the
        // service's own (its audit events).
        const events = Number(/^lapse_identity_projection_lag_events (\d+)$/m.exec(metrics)?.[1]);
        expect(events).toBeGreaterThanOrEqual(2_500);
        expect(events).toBeLessThan(2_550);
        expect(Number(/^lapse_identity_projection_lag_seconds (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(
          0,
        );
      });
    }, 20_000);
  });

  describe('configured open (FAIL_CLOSED=false)', () => {
    const identity = new IdentityHarness({ PROJECTION_MAX_LAG_MS: '100', FAIL_CLOSED: 'false' });
    beforeAll(() => identity.start(), 30_000);
    afterAll(() => identity.close());

    it('trusts the projection when directory cannot be asked', async () => {
      const ada = await expiredBehindTheProjection(identity);
      await withProjectionHeldBack(identity, async () => {
        await identity.directory.publish(TOPICS.directoryUsers, 'UserCreated', {
          userId: randomUUID(),
          login: 'x',
        });
        await new Promise((resolve) => setTimeout(resolve, 600));
        identity.directory.down = true;
        try {
          expect(
            (await identity.post('/api/v1/sessions', { username: ada.login, password: PASSWORD })).status,
          ).toBe(200);
        } finally {
          identity.directory.down = false;
        }
      });
    }, 20_000);
  });
});
