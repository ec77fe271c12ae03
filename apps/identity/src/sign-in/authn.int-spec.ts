import { DEFAULT_PASSWORD_POLICY_V1 } from '@lapse/shared/contracts/password-policy.v1';
import { hashArgon2id } from '@lapse/shared/crypto/argon2id';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { IdentityHarness } from '../testing/identity-harness';

const PASSWORD = 'Correct-Horse-7';

describe('POST /api/v1/authn', () => {
  const identity = new IdentityHarness();
  const authn = (username: string, password: string, options?: object) =>
    identity.post('/api/v1/authn', { username, password, ...(options ? { options } : {}) });

  beforeAll(() => identity.start(), 30_000);
  afterAll(() => identity.close());

  async function user(overrides: Parameters<IdentityHarness['directory']['addUser']>[0]) {
    const created = await identity.directory.addUser(overrides);
    await identity.projected(created.userId, created.credentialVersion);
    return created;
  }
  const login = () => `user-${Math.random().toString(36).slice(2)}@example.com`;

  describe('when the password is right and current', () => {
    it('answers SUCCESS with a one-use session token that opens one session', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const answer = await authn(ada.login, PASSWORD);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        status: 'SUCCESS',
        _embedded: { user: { id: ada.userId, profile: { login: ada.login } } },
      });
      const sessionToken = answer.body.sessionToken as string;
      expect(new Date(answer.body.expiresAt as string).getTime() - Date.now()).toBeLessThanOrEqual(300_000);

      const session = await identity.post('/api/v1/sessions', { sessionToken });
      expect(session.status).toBe(200);
      expect(session.body).toMatchObject({ userId: ada.userId, login: ada.login, status: 'ACTIVE' });

      const replay = await identity.post('/api/v1/sessions', { sessionToken });
      expect(replay.status).toBe(401);
      expect(replay.body.errorCode).toBe('E0000011');
    });

    it('sends the X-Rate-Limit headers', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const answer = await authn(ada.login, PASSWORD);
      expect(answer.headers.get('x-rate-limit-limit')).toBe('4');
    });
  });

  describe('when the credentials are wrong', () => {
    it('answers 401 E0000004 for a wrong password and for an unknown user alike', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const wrong = await authn(ada.login, 'Wrong-Password-1');
      const unknown = await authn(login(), PASSWORD);
      for (const answer of [wrong, unknown]) {
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({
          errorCode: 'E0000004',
          errorSummary: 'Authentication failed',
          errorCauses: [],
        });
      }
    });

    it('never reveals that the password is expired to a wrong password', async () => {
      const expired = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      const answer = await authn(expired.login, 'Wrong-Password-1');
      expect(answer.status).toBe(401);
      expect(answer.body.errorCode).toBe('E0000004');
    });

    it.each(['FEDERATION', 'SOCIAL'] as const)('fails a %s user with E0000004', async (provider) => {
      const federated = await user({ login: login(), password: null, provider });
      expect((await authn(federated.login, PASSWORD)).body.errorCode).toBe('E0000004');
    });

    it('leaves no session token behind for a wrong password or an expired one', async () => {
      const ada = await user({ login: login(), password: PASSWORD });
      const expired = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      expect((await authn(ada.login, 'Wrong-Password-1')).status).toBe(401);
      expect((await authn(expired.login, PASSWORD)).body.status).toBe('PASSWORD_EXPIRED');
      const { rows } = await identity.pool.query(
        'SELECT 1 FROM identity_session_tokens WHERE user_id = ANY($1)',
        [[ada.userId, expired.userId]],
      );
      expect(rows).toHaveLength(0);
    });

    it('refuses a forged session token', async () => {
      const forged = await identity.post('/api/v1/sessions', { sessionToken: 'A'.repeat(43) });
      expect(forged.status).toBe(401);
      expect(forged.body.errorCode).toBe('E0000011');
    });
  });

  describe('when the password is expired', () => {
    it('offers PASSWORD_EXPIRED with a change-only state token, the policy and the changePassword link', async () => {
      const expired = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      const answer = await authn(expired.login, PASSWORD);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        _embedded: {
          user: { id: expired.userId },
          policy: {
            complexity: { minLength: 8, minLowerCase: 1 },
            age: { minAgeMinutes: 0, historyCount: 4 },
          },
        },
        _links: {
          next: { name: 'changePassword', href: `${identity.url}/api/v1/authn/credentials/change_password` },
          cancel: { href: `${identity.url}/api/v1/authn/cancel` },
        },
      });
      expect(answer.body.sessionToken).toBeUndefined();
      expect(typeof answer.body.stateToken).toBe('string');
    });

    it('changes the password through directory and answers SUCCESS once identity holds the new password', async () => {
      const expired = await user({
        login: login(),
        password: PASSWORD,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
      });
      const { stateToken } = (await authn(expired.login, PASSWORD)).body as { stateToken: string };

      const refused = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken,
        oldPassword: 'Not-The-Old-1',
        newPassword: 'Brand-New-Pass-9',
      });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        errorCode: 'E0000014',
        errorCauses: [{ errorSummary: 'Old Password is not correct' }],
      });

      const changed = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken,
        oldPassword: PASSWORD,
        newPassword: 'Brand-New-Pass-9',
      });
      expect(changed.status).toBe(200);
      expect(changed.body.status).toBe('SUCCESS');
      const { rows } = await identity.pool.query(
        'SELECT credential_version FROM identity_credentials WHERE user_id = $1',
        [expired.userId],
      );
      expect(rows[0].credential_version).toBe(
        identity.directory.users.get(expired.userId)?.credentialVersion,
      );

      const session = await identity.post('/api/v1/sessions', { sessionToken: changed.body.sessionToken });
      expect(session.status).toBe(200);
      expect((await authn(expired.login, PASSWORD)).body.errorCode).toBe('E0000004');
      expect((await authn(expired.login, 'Brand-New-Pass-9')).body.status).toBe('SUCCESS');

      const replayed = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken,
        oldPassword: 'Brand-New-Pass-9',
        newPassword: 'Another-Pass-77',
      });
      expect(replayed.status).toBe(403);
      expect(replayed.body.errorCode).toBe('E0000079');
    });

    it('answers SUCCESS even when the projection is stuck, by reading the new credential from directory', async () => {
      const stuck = new IdentityHarness({ CHANGE_PASSWORD_WAIT_MS: '200' });
      await stuck.start();
      try {
        const expired = await stuck.directory.addUser({
          login: login(),
          password: PASSWORD,
          passwordExpired: true,
        });
        await stuck.projected(expired.userId, 1);
        stuck.directory.publishChanges = false;
        const { stateToken } = (
          await stuck.post('/api/v1/authn', { username: expired.login, password: PASSWORD })
        ).body;
        const changed = await stuck.post('/api/v1/authn/credentials/change_password', {
          stateToken,
          oldPassword: PASSWORD,
          newPassword: 'Brand-New-Pass-9',
        });
        expect(changed.body.status).toBe('SUCCESS');
      } finally {
        await stuck.close();
      }
    }, 30_000);

    it('refuses skip in PASSWORD_EXPIRED with E0000079, a forged state token with E0000011', async () => {
      const expired = await user({ login: login(), password: PASSWORD, passwordExpired: true });
      const { stateToken } = (await authn(expired.login, PASSWORD)).body;
      const skip = await identity.post('/api/v1/authn/skip', { stateToken });
      expect(skip.status).toBe(403);
      expect(skip.body.errorCode).toBe('E0000079');
      const forged = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken: 'B'.repeat(43),
        oldPassword: PASSWORD,
        newPassword: 'Brand-New-Pass-9',
      });
      expect(forged.status).toBe(401);
      expect(forged.body.errorCode).toBe('E0000011');
    });

    it('refuses a cancelled or expired state token with 401 E0000011', async () => {
      const expired = await user({ login: login(), password: PASSWORD, passwordExpired: true });
      const cancelledToken = (await authn(expired.login, PASSWORD)).body.stateToken;
      expect((await identity.post('/api/v1/authn/cancel', { stateToken: cancelledToken })).status).toBe(200);
      const afterCancel = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken: cancelledToken,
        oldPassword: PASSWORD,
        newPassword: 'Brand-New-Pass-9',
      });
      expect(afterCancel.body.errorCode).toBe('E0000011');

      const lateToken = (await authn(expired.login, PASSWORD)).body.stateToken as string;
      // The token's lifetime (STATE_TOKEN_LIFETIME_SECONDS, 5 minutes) runs out: its row is moved into the past
      // rather than the lifetime made short, which made every other state token of this file race the clock.
      const aged = await identity.pool.query(
        `UPDATE identity_transactions SET created_at = created_at - interval '6 minutes',
                expires_at = expires_at - interval '6 minutes'
          WHERE user_id = $1 AND status = 'PASSWORD_EXPIRED' AND expires_at > now()`,
        [expired.userId],
      );
      expect(aged.rowCount).toBe(1);
      const late = await identity.post('/api/v1/authn/credentials/change_password', {
        stateToken: lateToken,
        oldPassword: PASSWORD,
        newPassword: 'Brand-New-Pass-9',
      });
      expect(late.status).toBe(401);
      expect(late.body.errorCode).toBe('E0000011');
    });
  });

  describe('when the user is in one-time password mode', () => {
    it('asks for a change while the temporary password is fresh', async () => {
      const temp = await user({
        login: login(),
        password: 'Temp-Pass-1234',
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        oneTimeExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect((await authn(temp.login, 'Temp-Pass-1234')).body.status).toBe('PASSWORD_EXPIRED');
    });

    it('tells a correct but stale temporary password to ask an administrator (LAPSE0001), and a wrong one E0000004', async () => {
      const temp = await user({
        login: login(),
        password: 'Temp-Pass-1234',
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        oneTimeExpiresAt: new Date(Date.now() - 1000).toISOString(),
      });
      const right = await authn(temp.login, 'Temp-Pass-1234');
      expect(right.status).toBe(401);
      expect(right.body).toMatchObject({
        errorCode: 'LAPSE0001',
        errorSummary: 'The temporary password has expired. Ask an administrator for a new one.',
        errorCauses: [
          {
            errorSummary: expect.stringContaining('Ask your administrator to issue a new temporary password'),
          },
        ],
      });
      expect((await authn(temp.login, 'Temp-Pass-9999')).body.errorCode).toBe('E0000004');
    });
  });

  describe('when wrong passwords reach the lockout policy (maxAttempts 3)', () => {
    it('locks the account, tells directory once, and answers LOCKED_OUT only to the right password', async () => {
      const victim = await user({ login: login(), password: PASSWORD });
      for (let attempt = 0; attempt < 3; attempt++) {
        expect((await authn(victim.login, `Wrong-${attempt}-Aa`)).body.errorCode).toBe('E0000004');
      }
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await authn(victim.login, 'Wrong-again-Aa')).body.errorCode).toBe('E0000004');
      const right = await authn(victim.login, PASSWORD);
      expect(right.status).toBe(200);
      expect(right.body).toEqual({ status: 'LOCKED_OUT' });
      expect(identity.directory.lockCalls.filter((id) => id === victim.userId)).toHaveLength(1);
      const legacy = await identity.post('/api/v1/sessions', { username: victim.login, password: PASSWORD });
      expect(legacy.body.errorCode).toBe('E0000004');
    });
  });

  describe('when one username is tried more than 4 times a second', () => {
    it('answers 429 E0000047 with the rate limit headers', async () => {
      const name = login();
      const answers = await Promise.all(Array.from({ length: 10 }, () => authn(name, 'Whatever-1')));
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(2);
      expect(limited[0].body.errorCode).toBe('E0000047');
      expect(limited[0].headers.get('x-rate-limit-limit')).toBe('4');
      expect(limited[0].headers.get('x-rate-limit-remaining')).toBe('0');
      expect(Number(limited[0].headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
    });
  });

  describe('bad input', () => {
    it('answers 400 E0000001 naming a missing field, without echoing values', async () => {
      const answer = await identity.post('/api/v1/authn', { username: 'x@example.com' });
      expect(answer.status).toBe(400);
      expect(answer.body.errorCode).toBe('E0000001');
      expect(JSON.stringify(answer.body.errorCauses)).toContain('password');
    });

    it('refuses unknown fields and malformed JSON', async () => {
      const unknown = await identity.post('/api/v1/authn', { username: 'x', password: 'y', admin: true });
      expect(unknown.body.errorCode).toBe('E0000001');
      const malformed = await identity.post('/api/v1/authn', '{"username":');
      expect(malformed.status).toBe(400);
      expect(malformed.body.errorCode).toBe('E0000003');
    });
  });
});

describe('POST /api/v1/authn when a lock has run out (autoUnlockMinutes 5)', () => {
  const identity = new IdentityHarness(
    {},
    { ...DEFAULT_PASSWORD_POLICY_V1, lockout: { maxAttempts: 2, autoUnlockMinutes: 5 } },
  );
  beforeAll(() => identity.start(), 30_000);
  afterAll(() => identity.close());

  it('signs the user in and tells directory, whose status leaves LOCKED_OUT', async () => {
    const user = await identity.directory.addUser({ login: 'unlocked@example.com', password: PASSWORD });
    await identity.projected(user.userId, user.credentialVersion);
    for (const wrong of ['Wrong-1-Aa', 'Wrong-2-Aa'])
      await identity.post('/api/v1/authn', { username: user.login, password: wrong });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the 4-per-second limit per username
    const locked = await identity.post('/api/v1/authn', { username: user.login, password: PASSWORD });
    expect(locked.body).toEqual({ status: 'LOCKED_OUT' });
    expect(identity.directory.unlockCalls).toEqual([]);

    // Six minutes later, as far as the lock is concerned.
    await identity.pool.query(
      `UPDATE identity_lockouts SET locked_at = locked_at - interval '6 minutes' WHERE user_id = $1`,
      [user.userId],
    );
    const answer = await identity.post('/api/v1/authn', { username: user.login, password: PASSWORD });
    expect(answer.body.status).toBe('SUCCESS');
    await waitFor('the unlock call', () => identity.directory.unlockCalls.length > 0, 5000);
    expect(identity.directory.unlockCalls).toEqual([user.userId]);
    expect(identity.directory.users.get(user.userId)?.status).toBe('ACTIVE');
  });
});

describe('POST /api/v1/authn with a password age policy', () => {
  const identity = new IdentityHarness(
    {},
    {
      complexity: { minLength: 10 },
      age: { maxAgeDays: 10, expireWarnDays: 5, minAgeMinutes: 0, historyCount: 4 },
      lockout: { maxAttempts: 0 },
    },
  );
  beforeAll(() => identity.start(), 30_000);
  afterAll(() => identity.close());
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  it('expires a password older than maxAgeDays at sign-in', async () => {
    const old = await identity.directory.addUser({
      login: 'old@example.com',
      password: PASSWORD,
      passwordChangedAt: daysAgo(11),
    });
    await identity.projected(old.userId, 1);
    const answer = await identity.post('/api/v1/authn', { username: old.login, password: PASSWORD });
    expect(answer.body).toMatchObject({
      status: 'PASSWORD_EXPIRED',
      _embedded: { policy: { complexity: { minLength: 10 } } },
    });
  });

  it('warns inside the window when asked, and skip signs in', async () => {
    const aging = await identity.directory.addUser({
      login: 'aging@example.com',
      password: PASSWORD,
      passwordChangedAt: daysAgo(8),
    });
    await identity.projected(aging.userId, 1);
    const plain = await identity.post('/api/v1/authn', { username: aging.login, password: PASSWORD });
    expect(plain.body.status).toBe('SUCCESS');
    const warned = await identity.post('/api/v1/authn', {
      username: aging.login,
      password: PASSWORD,
      options: { warnBeforePasswordExpired: true, multiOptionalFactorEnroll: false },
    });
    expect(warned.body).toMatchObject({
      status: 'PASSWORD_WARN',
      _embedded: { policy: { expiration: { passwordExpireDays: 2 } } },
      _links: { skip: { name: 'skip' } },
    });
    // The session token written with PASSWORD_WARN's lookup was withdrawn: only SUCCESS's is left.
    const { rows } = await identity.pool.query('SELECT 1 FROM identity_session_tokens WHERE user_id = $1', [
      aging.userId,
    ]);
    expect(rows).toHaveLength(1);
    const skipped = await identity.post('/api/v1/authn/skip', { stateToken: warned.body.stateToken });
    expect(skipped.body.status).toBe('SUCCESS');
    expect(
      (await identity.post('/api/v1/sessions', { sessionToken: skipped.body.sessionToken })).status,
    ).toBe(200);
  });

  it('answers an unknown user exactly as a wrong password, and counts the failure only for the user', async () => {
    // Timing is not asserted here (benchmarks measure speed): the gate's unit spec shows both answers wait for
    // the same calls (lookup, one verification) and the failure count is written after answering; the
    // verifier's spec that unknown users meet a dummy hash of the configured parameters, whatever the user's
    // own hash (here OWASP's) uses.
    const known = await identity.directory.addUser({
      login: 'timing@example.com',
      password: PASSWORD,
      hash: await hashArgon2id(PASSWORD, { memoryKib: 19_456, iterations: 2, parallelism: 1 }),
    });
    await identity.projected(known.userId, 1);
    const wrong = await identity.post('/api/v1/authn', {
      username: 'timing@example.com',
      password: 'Wrong-1a',
    });
    const unknown = await identity.post('/api/v1/authn', {
      username: 'nobody@example.com',
      password: 'Wrong-1a',
    });
    const shape = (answer: typeof wrong) => ({
      status: answer.status,
      body: { ...answer.body, errorId: undefined },
      headers: [...answer.headers.keys()].filter((name) => name !== 'date' && name !== 'content-length'),
    });
    expect(shape(unknown)).toEqual(shape(wrong));
    expect(wrong.body.errorCode).toBe('E0000004');
    await waitFor('the failure count of the known user', async () => {
      const { rows } = await identity.pool.query(
        'SELECT failed_attempts FROM identity_lockouts WHERE user_id = $1',
        [known.userId],
      );
      return rows[0]?.failed_attempts === 1;
    });
  });
});
