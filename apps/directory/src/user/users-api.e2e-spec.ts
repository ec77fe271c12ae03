import { compactDecrypt } from 'jose';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../testing/directory-test-app';

describe('the directory Users API', () => {
  let lapse: DirectoryTestApp;
  let admin: ReturnType<typeof client>;
  let service: ReturnType<typeof client>;
  let n = 0;
  const login = () => `user${++n}.${Date.now()}@example.com`;
  const createUser = async (query = '?activate=true', password = 'Initial1pass') => {
    const email = login();
    const response = await admin('POST', `/api/v1/users${query}`, {
      profile: { login: email, email, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: password } },
    });
    expect(response.status).toBe(200);
    return response.body as { id: string; status: string; profile: { login: string } };
  };

  beforeAll(async () => {
    lapse = await startDirectoryTestApp();
    admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    service = client(lapse.url, `Bearer ${lapse.serviceToken}`);
  });
  afterAll(() => lapse.close());

  describe('creating a user', () => {
    it('answers an ACTIVE Okta user with provider OKTA and no password material', async () => {
      const email = login();
      const response = await admin('POST', '/api/v1/users?activate=true', {
        profile: { login: email, email, firstName: 'Ada', lastName: 'Lovelace' },
        credentials: { password: { value: 'Initial1pass' } },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'ACTIVE',
        profile: { login: email, email, firstName: 'Ada', lastName: 'Lovelace' },
        credentials: { provider: { type: 'OKTA', name: 'OKTA' }, password: {} },
        _links: { self: { href: `${lapse.url}/api/v1/users/${response.body.id}` } },
      });
      expect(JSON.stringify(response.body)).not.toMatch(/argon2|Initial1pass/);
    });

    it('creates the user already PASSWORD_EXPIRED with nextLogin=changePassword', async () => {
      const user = await createUser('?activate=true&nextLogin=changePassword');
      expect(user.status).toBe('PASSWORD_EXPIRED');
    });

    it('refuses nextLogin=changePassword without a password (400 E0000124)', async () => {
      const response = await admin('POST', '/api/v1/users?activate=true&nextLogin=changePassword', {
        profile: { login: login() },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000124');
    });

    it('refuses nextLogin=changePassword without activate (400 E0000125)', async () => {
      const response = await admin('POST', '/api/v1/users?activate=false&nextLogin=changePassword', {
        profile: { login: login() },
        credentials: { password: { value: 'Initial1pass' } },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000125');
    });

    it('refuses a second user with the same login, whatever its case (400 E0000001)', async () => {
      const user = await createUser();
      const response = await admin('POST', '/api/v1/users', {
        profile: { login: user.profile.login.toUpperCase() },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      expect(response.body.errorCauses[0].errorSummary).toMatch(
        /login: An object with this field already exists/,
      );
    });

    it('refuses unknown body fields and unknown query parameters, naming them (400 E0000001)', async () => {
      const body = await admin('POST', '/api/v1/users', {
        profile: { login: login(), shoeSize: 44 },
        extra: true,
      });
      expect(body.status).toBe(400);
      expect(body.body.errorCode).toBe('E0000001');
      const causes = body.body.errorCauses.map((c: { errorSummary: string }) => c.errorSummary).join(' | ');
      expect(causes).toContain('extra');
      expect(causes).toContain('shoeSize');
      const query = await admin('POST', '/api/v1/users?activate=true&bogus=1', {
        profile: { login: login() },
      });
      expect(query.status).toBe(400);
      expect(query.body.errorCauses.map((c: { errorSummary: string }) => c.errorSummary).join(' ')).toContain(
        'bogus',
      );
    });

    it('refuses a password that does not meet the policy, without echoing it', async () => {
      const response = await admin('POST', '/api/v1/users', {
        profile: { login: login() },
        credentials: { password: { value: 'weakpw' } },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCauses[0].errorSummary).toMatch(/Password requirements were not met/);
      expect(JSON.stringify(response.body)).not.toContain('weakpw');
    });

    it('answers malformed JSON with 400 E0000003 and an oversized body with 413', async () => {
      const malformed = await admin('POST', '/api/v1/users', '{"profile": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.errorCode).toBe('E0000003');
      const oversized = await admin('POST', '/api/v1/users', { profile: { login: 'x'.repeat(100_000) } });
      expect(oversized.status).toBe(413);
    });

    it('imports an argon2id hash with the time the password was last changed', async () => {
      const email = login();
      const hash =
        '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';
      const response = await admin('POST', '/api/v1/users?activate=true', {
        profile: { login: email },
        credentials: {
          password: { hash: { algorithm: 'ARGON2', value: hash }, lastChanged: '2025-06-01T00:00:00.000Z' },
        },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'ACTIVE', passwordChanged: '2025-06-01T00:00:00.000Z' });
      const bcrypt = await admin('POST', '/api/v1/users', {
        profile: { login: login() },
        credentials: { password: { hash: { algorithm: 'BCRYPT', value: 'x' } } },
      });
      expect(bcrypt.status).toBe(400);
    });
  });

  describe('importing users in a batch', () => {
    const hash =
      '$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$0lBVz1J6VgYFf7Ng5jUq1xE4w3hD7v3vK4yZfZ4o6lE';
    const imported = (email: string, provider = 'OKTA') => ({
      profile: { login: email, email },
      credentials: {
        password: { hash: { algorithm: 'ARGON2', value: hash }, lastChanged: '2025-03-01T00:00:00.000Z' },
        provider: { type: provider },
      },
    });

    it('creates every user of the batch, each with its own stream and credential snapshot', async () => {
      const logins = [login(), login(), login()];
      const response = await admin('POST', '/api/v1/users/import?activate=true', {
        users: [imported(logins[0]), imported(logins[1]), imported(logins[2], 'ACTIVE_DIRECTORY')],
      });
      expect(response.status).toBe(200);
      expect(response.body.imported).toBe(3);
      const third = await admin('GET', `/api/v1/users/${response.body.ids[2]}`);
      expect(third.body).toMatchObject({
        status: 'ACTIVE',
        passwordChanged: '2025-03-01T00:00:00.000Z',
        credentials: { provider: { type: 'ACTIVE_DIRECTORY' } },
      });
      const state = await service('GET', `/internal/v1/users/${response.body.ids[0]}/credential-state`);
      expect(state.body).toMatchObject({ credentialVersion: 2, passwordHash: hash, status: 'ACTIVE' });
    });

    it('takes 1,000 users with hashes in one request (a body over the general 64 KB limit), refuses a larger body with 413', async () => {
      const logins = Array.from({ length: 1_000 }, () => login());
      const response = await admin('POST', '/api/v1/users/import?activate=true', {
        users: logins.map((each) => imported(each)),
      });
      expect(response.status).toBe(200);
      expect(response.body.imported).toBe(1_000);
      const last = await admin('GET', `/api/v1/users/${encodeURIComponent(logins[999])}`);
      expect(last.body).toMatchObject({ status: 'ACTIVE', passwordChanged: '2025-03-01T00:00:00.000Z' });

      const fresh = login();
      const oversized = await admin('POST', '/api/v1/users/import', {
        users: [imported(fresh)],
        padding: 'x'.repeat(6 * 1024 * 1024),
      });
      expect(oversized.status).toBe(413);
      expect(oversized.body.errorCode).toBe('LAPSE0002');
      expect((await admin('GET', `/api/v1/users/${encodeURIComponent(fresh)}`)).status).toBe(404);
    });

    it('parses a body over 64 KB only for a request with a valid admin token (else 413, unread)', async () => {
      const body = { users: Array.from({ length: 400 }, () => imported(login())) };
      for (const authorization of [null, 'Bearer not-an-admin-token', 'SSWS', 'SSWS 00wrong']) {
        const answer = await client(lapse.url, authorization)('POST', '/api/v1/users/import', body);
        expect(answer.status).toBe(413);
        expect(answer.body.errorCode).toBe('LAPSE0002');
      }
      // Small enough for the general limit: refused by the guard instead.
      for (const authorization of [null, 'SSWS 00wrong']) {
        const small = await client(lapse.url, authorization)('POST', '/api/v1/users/import', { users: [] });
        expect(small.status).toBe(401);
        expect(small.body.errorCode).toBe('E0000011');
      }
      // A valid token whose role may not import: not read either (the guard's 403 for a small body).
      const token = await admin('POST', '/api/v1/api-tokens', { name: 'reader', role: 'READ_ONLY_ADMIN' });
      const reader = client(lapse.url, `SSWS ${token.body.token}`);
      const unread = await reader('POST', '/api/v1/users/import', body);
      expect(unread.status).toBe(413);
      expect(unread.body.errorCode).toBe('LAPSE0002');
      expect((await reader('POST', '/api/v1/users/import', { users: [] })).status).toBe(403);
      const userAdmin = await admin('POST', '/api/v1/api-tokens', { name: 'importer', role: 'USER_ADMIN' });
      const valid = await client(lapse.url, `SSWS ${userAdmin.body.token}`)(
        'POST',
        '/api/v1/users/import',
        body,
      );
      expect(valid.status).toBe(200);
      expect(valid.body.imported).toBe(400);
    });

    it('creates none of them when one login is taken (400 E0000001)', async () => {
      const taken = await createUser();
      const fresh = login();
      const response = await admin('POST', '/api/v1/users/import', {
        users: [imported(fresh), imported(taken.profile.login)],
      });
      expect(response.status).toBe(400);
      expect((await admin('GET', `/api/v1/users/${encodeURIComponent(fresh)}`)).status).toBe(404);
    });

    const withParameters = (m: number, t: number, p: number) =>
      hash.replace('m=1024,t=1,p=1', `m=${m},t=${t},p=${p}`);
    it.each([
      ['more than 256 MiB of memory', withParameters(262_145, 1, 1), /256 MiB/],
      ['more than 16 iterations', withParameters(1024, 17, 1), /16 iterations/],
      ['more than 8 lanes', withParameters(1024, 1, 9), /8 lanes/],
      ['parameters argon2id refuses', withParameters(4, 1, 1), /does not allow/],
      ['a malformed PHC string', '$argon2id$v=19$m=1024,t=1$salt$hash', /PHC string/],
    ])('refuses a hash with %s and creates none of the batch (400 E0000001)', async (_, value, why) => {
      const fresh = login();
      const bounded = imported(login());
      const response = await admin('POST', '/api/v1/users/import', {
        users: [
          imported(fresh),
          { ...bounded, credentials: { password: { hash: { algorithm: 'ARGON2', value } } } },
        ],
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      expect(response.body.errorCauses).toEqual([
        { errorSummary: expect.stringMatching(/^users\.1\.credentials\.password\.hash\.value: /) },
      ]);
      expect(response.body.errorCauses[0].errorSummary).toMatch(why);
      expect((await admin('GET', `/api/v1/users/${encodeURIComponent(fresh)}`)).status).toBe(404);
    });

    it('accepts a hash at the bounds, and refuses one past them on a single create too', async () => {
      const atBounds = await admin('POST', '/api/v1/users/import', {
        users: [
          {
            ...imported(login()),
            credentials: {
              password: { hash: { algorithm: 'ARGON2', value: withParameters(262_144, 16, 8) } },
            },
          },
        ],
      });
      expect(atBounds.status).toBe(200);
      const single = await admin('POST', '/api/v1/users?activate=true', {
        profile: { login: login() },
        credentials: { password: { hash: { algorithm: 'ARGON2', value: withParameters(1024, 1, 9) } } },
      });
      expect(single.status).toBe(400);
      expect(single.body.errorCauses[0].errorSummary).toMatch(
        /^credentials\.password\.hash\.value: .*8 lanes/,
      );
    });
  });

  describe('reading users', () => {
    it('gets a user by id and by login, and answers 404 E0000007 for an unknown one', async () => {
      const user = await createUser();
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.id).toBe(user.id);
      expect((await admin('GET', `/api/v1/users/${encodeURIComponent(user.profile.login)}`)).body.id).toBe(
        user.id,
      );
      const missing = await admin('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.errorCode).toBe('E0000007');
    });

    it('lists users in pages linked by rel="next"', async () => {
      for (let i = 0; i < 3; i++) await createUser();
      const first = await admin('GET', '/api/v1/users?limit=2');
      expect(first.status).toBe(200);
      expect(first.body).toHaveLength(2);
      const link = first.headers.get('link') ?? '';
      const next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
      expect(next).toBeDefined();
      const second = await admin('GET', (next as string).replace(lapse.url, ''));
      expect(second.body[0].id > first.body[1].id).toBe(true);
    });

    it('filters and searches with Okta expressions', async () => {
      const user = await createUser('?activate=true&nextLogin=changePassword');
      const filtered = await admin(
        'GET',
        `/api/v1/users?search=${encodeURIComponent(`profile.login eq "${user.profile.login}" and status eq "PASSWORD_EXPIRED"`)}`,
      );
      expect(filtered.body.map((u: { id: string }) => u.id)).toEqual([user.id]);
      const bad = await admin('GET', `/api/v1/users?filter=${encodeURIComponent('password eq "x"')}`);
      expect(bad.status).toBe(400);
    });
  });

  describe('expiring one password, keeping the current one', () => {
    it('moves the user to PASSWORD_EXPIRED and the credential state says so', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('PASSWORD_EXPIRED');
      const state = await service('GET', `/internal/v1/users/${user.id}/credential-state`);
      expect(state.body).toMatchObject({
        userId: user.id,
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        oneTimePassword: null,
      });
      expect(state.body.passwordHash).toMatch(/^\$argon2id\$/);
    });

    it("answers many users' credential states in one call, the same as one by one", async () => {
      const expired = await createUser();
      const active = await createUser();
      await admin('POST', `/api/v1/users/${expired.id}/lifecycle/expire_password`);
      const many = await service('POST', '/internal/v1/users/credential-states', {
        userIds: [expired.id, active.id, '00000000-0000-4000-8000-00000000dead', 'not-a-user-id'],
      });
      expect(many.status).toBe(200);
      const byUser = new Map(many.body.states.map((state: { userId: string }) => [state.userId, state]));
      expect([...byUser.keys()].sort()).toEqual([expired.id, active.id].sort());
      for (const user of [expired, active])
        expect(byUser.get(user.id)).toEqual(
          (await service('GET', `/internal/v1/users/${user.id}/credential-state`)).body,
        );
      expect(byUser.get(expired.id)).toMatchObject({ status: 'PASSWORD_EXPIRED', passwordExpired: true });
      const tooMany = await service('POST', '/internal/v1/users/credential-states', {
        userIds: Array.from({ length: 1001 }, () => active.id),
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.errorCode).toBe('E0000001');
    });

    it('refuses a STAGED user (403 E0000038)', async () => {
      const user = await createUser('?activate=false');
      const response = await admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`);
      expect(response.status).toBe(403);
      expect(response.body.errorCode).toBe('E0000038');
    });

    it('refuses a FEDERATION user as mastered elsewhere (403 E0000023)', async () => {
      const response = await admin('POST', '/api/v1/users?activate=true', {
        profile: { login: login() },
        credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
      });
      const expired = await admin('POST', `/api/v1/users/${response.body.id}/lifecycle/expire_password`);
      expect(expired.status).toBe(403);
      expect(expired.body.errorCode).toBe('E0000023');
    });

    it('answers 404 E0000007 for an unknown user', async () => {
      const response = await admin('POST', '/api/v1/users/nobody@example.com/lifecycle/expire_password');
      expect(response.status).toBe(404);
      expect(response.body.errorCode).toBe('E0000007');
    });
  });

  describe('expiring with a temporary password', () => {
    it('returns the temporary password once, seals it for the notifier and shows one-time password mode', async () => {
      const user = await createUser();
      const response = await admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?revokeSessions=true`,
      );
      expect(response.status).toBe(200);
      const { tempPassword } = response.body as { tempPassword: string };
      expect(tempPassword.length).toBeGreaterThanOrEqual(12);
      expect(response.headers.get('cache-control')).toBe('no-store');

      const shown = await admin('GET', `/api/v1/users/${user.id}`);
      expect(shown.body).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        statusDetail: 'Password reset. User is now in one-time password mode.',
        credentials: {
          password: { oneTimeMode: true, tempPasswordDelivery: { status: 'REQUESTED', channel: 'AUTO' } },
        },
      });

      const { rows } = await pgRows(
        lapse.databaseUrl,
        `SELECT data FROM lapse_events WHERE stream_id = $1 AND type = 'TemporaryPasswordIssued'`,
        [`user-${user.id}`],
      );
      const sealed = rows[0].data.sealedPassword as string;
      const opened = await compactDecrypt(sealed, lapse.notifierPrivateKey);
      expect(opened.protectedHeader).toMatchObject({
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        kid: lapse.notifierKid,
      });
      expect(JSON.parse(new TextDecoder().decode(opened.plaintext))).toMatchObject({
        tempPassword,
        userId: user.id,
      });
    });

    it('refuses to create a reset link while in one-time password mode (403 E0000507)', async () => {
      const user = await createUser();
      await admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?deliver=none`,
      );
      const response = await admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/reset_password?sendEmail=false`,
      );
      expect(response.status).toBe(403);
      expect(response.body.errorCode).toBe('E0000507');
    });

    it('accepts the temporary password as the old one, after which the mode is over', async () => {
      const user = await createUser();
      const { body } = await admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/expire_password_with_temp_password?deliver=none`,
      );
      const changed = await admin('POST', `/api/v1/users/${user.id}/credentials/change_password`, {
        oldPassword: { value: body.tempPassword },
        newPassword: { value: 'Brand9newpass' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ password: {}, provider: { type: 'OKTA', name: 'OKTA' } });
      const shown = await admin('GET', `/api/v1/users/${user.id}`);
      expect(shown.body.status).toBe('ACTIVE');
      expect(shown.body.statusDetail).toBeUndefined();
    });
  });

  describe('resetting a password', () => {
    it('returns a reset link and moves the user to RECOVERY', async () => {
      const user = await createUser();
      const response = await admin(
        'POST',
        `/api/v1/users/${user.id}/lifecycle/reset_password?sendEmail=false`,
      );
      expect(response.status).toBe(200);
      expect(response.body.resetPasswordUrl).toMatch(
        new RegExp(`^${lapse.url}/reset_password/[A-Za-z0-9_-]{20,}$`),
      );
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('RECOVERY');
    });
  });

  describe('changing a password', () => {
    it('refuses a wrong old password with 403 E0000014 "Old Password is not correct"', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}/credentials/change_password`, {
        oldPassword: { value: 'Wrong1password' },
        newPassword: { value: 'Brand9newpass' },
      });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        errorCode: 'E0000014',
        errorCauses: [{ errorSummary: 'Old Password is not correct' }],
      });
    });

    it('refuses a new password that breaks the policy or reuses a recent one (403 E0000014)', async () => {
      const user = await createUser();
      const weak = await admin('POST', `/api/v1/users/${user.id}/credentials/change_password`, {
        oldPassword: { value: 'Initial1pass' },
        newPassword: { value: 'short' },
      });
      expect(weak.status).toBe(403);
      expect(weak.body.errorCauses[0].errorSummary).toMatch(/^Password requirements were not met/);
      const reused = await admin('POST', `/api/v1/users/${user.id}/credentials/change_password`, {
        oldPassword: { value: 'Initial1pass' },
        newPassword: { value: 'Initial1pass' },
      });
      expect(reused.status).toBe(403);
      expect(reused.body.errorCauses[0].errorSummary).toMatch(/cannot be any of your last 4 passwords/);
    });

    it('lets identity change it over the internal API and answers the credential version', async () => {
      const user = await createUser('?activate=true&nextLogin=changePassword');
      const response = await service('POST', `/internal/v1/users/${user.id}/credentials/change_password`, {
        oldPassword: 'Initial1pass',
        newPassword: 'Brand9newpass',
      });
      expect(response.status).toBe(200);
      const state = await service('GET', `/internal/v1/users/${user.id}/credential-state`);
      expect(response.body.credentialVersion).toBe(state.body.credentialVersion);
      expect(state.body).toMatchObject({ status: 'ACTIVE', passwordExpired: false });
    });
  });

  describe('locking and unlocking', () => {
    it('lets identity lock a user and an admin unlock it', async () => {
      const user = await createUser();
      const locked = await service('POST', `/internal/v1/users/${user.id}/lifecycle/lock`);
      expect(locked.status).toBe(200);
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('LOCKED_OUT');
      const unlocked = await admin('POST', `/api/v1/users/${user.id}/lifecycle/unlock`);
      expect(unlocked.status).toBe(200);
      expect(unlocked.body).toEqual({});
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('ACTIVE');
    });

    it('lets identity end a lock whose lockout period has passed, and audits it as user.account.unlock', async () => {
      const user = await createUser();
      await service('POST', `/internal/v1/users/${user.id}/lifecycle/lock`);
      const unlocked = await service('POST', `/internal/v1/users/${user.id}/lifecycle/unlock`);
      expect(unlocked.status).toBe(200);
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.status).toBe('ACTIVE');
      const log = await admin(
        'GET',
        `/api/v1/logs?filter=${encodeURIComponent('eventType eq "user.account.unlock"')}`,
      );
      expect(log.body.map((entry: { target: { id: string }[] }) => entry.target[0].id)).toContain(user.id);
      // Already unlocked: left as is, refused like the admin unlock.
      expect((await service('POST', `/internal/v1/users/${user.id}/lifecycle/unlock`)).body.errorCode).toBe(
        'E0000038',
      );
    });

    it('refuses to unlock a user who is not locked out (403 E0000038)', async () => {
      const user = await createUser();
      expect((await admin('POST', `/api/v1/users/${user.id}/lifecycle/unlock`)).body.errorCode).toBe(
        'E0000038',
      );
    });
  });

  describe('when two admins act on one user at once', () => {
    it('loses no update: every change is in the stream, in order', async () => {
      const user = await createUser();
      const results = await Promise.all([
        admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`),
        admin('POST', `/api/v1/users/${user.id}/lifecycle/suspend`),
        admin('POST', `/api/v1/users/${user.id}/lifecycle/expire_password`),
        service('POST', `/internal/v1/users/${user.id}/lifecycle/lock`),
      ]);
      const { rows } = await pgRows(
        lapse.databaseUrl,
        'SELECT version, type FROM lapse_events WHERE stream_id = $1 ORDER BY version',
        [`user-${user.id}`],
      );
      const versions = rows.map((row) => row.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      const accepted = results.filter((r) => r.status === 200).length;
      // One change per accepted command: a snapshot, or the revocation a suspension brings, goes with it.
      const changes = rows.filter(
        (row) =>
          row.type !== 'CredentialStateRecorded' &&
          row.type !== 'UserCreated' &&
          row.type !== 'SessionsRevoked',
      ).length;
      expect(changes).toBe(accepted);
      const readModel = await pgRows(lapse.databaseUrl, 'SELECT version FROM directory_users WHERE id = $1', [
        user.id,
      ]);
      expect(readModel.rows[0].version).toBe(rows.length);
    });
  });
});

async function pgRows(url: string, sql: string, params: unknown[]) {
  const { Client } = await import('pg');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    // biome-ignore lint/suspicious/noExplicitAny: spec reads raw rows
    return await db.query<any>(sql, params);
  } finally {
    await db.end();
  }
}
