import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

/**
 * Okta's update (`POST`) and replace (`PUT`) user in the real all-in-one app on real PostgreSQL: directory
 * applies them, identity learns the result over the embedded transport and signs the user in with it.
 */
describe('updating a user (POST and PUT /api/v1/users/{id})', () => {
  let lapse: TestApp;
  let n = 0;
  const newLogin = () => `upd${++n}.${Date.now()}@example.com`;

  beforeAll(async () => {
    lapse = await startTestApp({ env: { PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_ITERATIONS: '1' } });
  }, 60_000);
  afterAll(() => lapse?.close());

  const call = (method: string, path: string, body?: unknown, authorization?: string) =>
    lapse.request(method, path, body, authorization ? { authorization } : {});
  const admin = (method: string, path: string, body?: unknown) =>
    call(method, path, body, `SSWS ${lapse.adminToken}`);
  const signIn = (username: string, password: string) =>
    call('POST', '/api/v1/authn', { username, password });
  const createUser = async (query = '?activate=true') => {
    const login = newLogin();
    const response = await admin('POST', `/api/v1/users${query}`, {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace', mobilePhone: '+15550100' },
      credentials: { password: { value: 'Initial1pass' } },
    });
    expect(response.status).toBe(200);
    return response.body as {
      id: string;
      status: string;
      lastUpdated: string;
      profile: { login: string } & Record<string, string | null>;
    };
  };
  const auditOf = async (userId: string) => {
    const filter = encodeURIComponent(`target.id eq "${userId}"`);
    const response = await admin('GET', `/api/v1/logs?filter=${filter}`);
    return response.body as { eventType: string; outcome: { result: string; reason?: string } }[];
  };

  describe('with partial semantics (POST)', () => {
    it('changes the properties sent, keeps the others and answers the user as GET does', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, { profile: { firstName: 'Augusta' } });
      expect(response.status).toBe(200);
      expect(response.body.profile).toEqual({ ...user.profile, firstName: 'Augusta' });
      const fetched = await admin('GET', `/api/v1/users/${user.id}`);
      expect(response.body).toEqual(fetched.body);
      const audit = await auditOf(user.id);
      expect(audit.map((entry) => entry.eventType)).toContain('user.account.update_profile');
    });

    it('records nothing when the values sent are the current ones', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, {
        profile: { firstName: 'Ada', lastName: 'Lovelace' },
      });
      expect(response.status).toBe(200);
      expect(response.body.lastUpdated).toBe(user.lastUpdated);
      expect((await auditOf(user.id)).map((entry) => entry.eventType)).not.toContain(
        'user.account.update_profile',
      );
    });
  });

  describe('when admins update one user at once', () => {
    it('loses no property: each partial update is merged with the profile it finds at append time', async () => {
      const user = await createUser();
      const changes = [
        { firstName: 'Augusta' },
        { lastName: 'King' },
        { mobilePhone: '+15550199' },
        { displayName: 'Countess' },
        { email: `c.${user.profile.login}` },
      ];
      const answers = await Promise.all(
        changes.map((profile) => admin('POST', `/api/v1/users/${user.id}`, { profile })),
      );
      expect(answers.map((answer) => answer.status)).toEqual(changes.map(() => 200));
      const fetched = await admin('GET', `/api/v1/users/${user.id}`);
      expect(fetched.body.profile).toEqual({ ...user.profile, ...Object.assign({}, ...changes) });
      const audit = await auditOf(user.id);
      expect(audit.filter((entry) => entry.eventType === 'user.account.update_profile')).toHaveLength(5);
    });
  });

  describe('with strict semantics (PUT)', () => {
    it('sets every profile property not sent to null', async () => {
      const user = await createUser();
      const response = await admin('PUT', `/api/v1/users/${user.id}`, {
        profile: { login: user.profile.login, email: user.profile.email, firstName: 'Ada', lastName: 'King' },
      });
      expect(response.status).toBe(200);
      expect(response.body.profile).toMatchObject({ lastName: 'King', mobilePhone: null });
    });

    it('refuses a profile without its required properties (400 E0000001), changing nothing', async () => {
      const user = await createUser();
      const response = await admin('PUT', `/api/v1/users/${user.id}`, {
        profile: { login: user.profile.login, firstName: 'Ada' },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      const causes = response.body.errorCauses.map((cause: { errorSummary: string }) => cause.errorSummary);
      expect(causes).toEqual(
        expect.arrayContaining([
          'profile.email: The field cannot be left blank',
          'profile.lastName: The field cannot be left blank',
        ]),
      );
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.profile).toEqual(user.profile);
    });
  });

  describe('when the login changes', () => {
    it('lets the user sign in with the new login through identity, and no longer with the old one', async () => {
      const user = await createUser();
      const oldLogin = user.profile.login;
      expect(
        (
          await eventually(
            () => signIn(oldLogin, 'Initial1pass'),
            (a) => a.status === 200,
          )
        ).status,
      ).toBe(200);
      const renamed = newLogin();
      const response = await admin('POST', `/api/v1/users/${user.id}`, { profile: { login: renamed } });
      expect(response.status).toBe(200);
      expect(response.body.profile.login).toBe(renamed);

      const signedIn = await eventually(
        () => signIn(renamed, 'Initial1pass'),
        (answer) => answer.body.status === 'SUCCESS',
      );
      expect(signedIn.body.status).toBe('SUCCESS');
      expect(signedIn.body._embedded.user.id).toBe(user.id);
      const old = await signIn(oldLogin, 'Initial1pass');
      expect(old.status).toBe(401);
      expect(old.body.errorCode).toBe('E0000004');
      expect((await admin('GET', `/api/v1/users/${encodeURIComponent(renamed)}`)).body.id).toBe(user.id);
    });

    it("refuses another user's login, whatever its case (400 E0000001), and audits the refusal", async () => {
      const taken = await createUser();
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, {
        profile: { login: taken.profile.login.toUpperCase(), firstName: 'Changed' },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      expect(response.body.errorCauses).toEqual([
        { errorSummary: 'login: An object with this field already exists in the current organization' },
      ]);
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.profile).toEqual(user.profile);
      const audit = await auditOf(user.id);
      expect(audit[audit.length - 1]).toMatchObject({
        eventType: 'user.account.update_profile',
        outcome: { result: 'FAILURE' },
      });
    });
  });

  describe('when an admin sets the password', () => {
    it('moves a PASSWORD_EXPIRED user to ACTIVE; the user signs in with it and gets a session, the old one fails', async () => {
      const user = await createUser('?activate=true&nextLogin=changePassword');
      expect(user.status).toBe('PASSWORD_EXPIRED');
      const response = await admin('POST', `/api/v1/users/${user.id}`, {
        credentials: { password: { value: 'Admin-Set-Pass-7' } },
      });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ACTIVE');
      expect(JSON.stringify(response.body)).not.toMatch(/argon2|Admin-Set-Pass-7/);

      const login = user.profile.login;
      const signedIn = await eventually(
        () => signIn(login, 'Admin-Set-Pass-7'),
        (answer) => answer.body.status === 'SUCCESS',
      );
      expect(signedIn.body.status).toBe('SUCCESS');
      const session = await call('POST', '/api/v1/sessions', { sessionToken: signedIn.body.sessionToken });
      expect(session.status).toBe(200);
      expect((await signIn(login, 'Initial1pass')).status).toBe(401);

      const audit = await auditOf(user.id);
      const entry = audit.find((e) => e.eventType === 'user.account.update_password');
      expect(entry?.outcome.result).toBe('SUCCESS');
      const everything = await admin('GET', '/api/v1/logs?limit=1000');
      expect(JSON.stringify(everything.body)).not.toMatch(/Admin-Set-Pass-7/);
    });

    it('refuses a weak password with the policy causes (400 E0000001), changing nothing', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, {
        profile: { firstName: 'Changed' },
        credentials: { password: { value: 'short' } },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      const causes = response.body.errorCauses.map((cause: { errorSummary: string }) => cause.errorSummary);
      expect(causes.length).toBeGreaterThan(0);
      expect(causes.every((cause: string) => cause.startsWith('password: '))).toBe(true);
      expect(JSON.stringify(response.body)).not.toContain('short"');
      expect((await admin('GET', `/api/v1/users/${user.id}`)).body.profile.firstName).toBe('Ada');
    });

    it('refuses a password of the recent history (400 E0000001)', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, {
        credentials: { password: { value: 'Initial1pass' } },
      });
      expect(response.status).toBe(400);
      expect(response.body.errorCauses[0].errorSummary).toMatch(
        /^password: Password has been used too recently/,
      );
    });

    it('refuses a FEDERATION user as mastered elsewhere (403 E0000023)', async () => {
      const login = newLogin();
      const created = await admin('POST', '/api/v1/users?activate=true', {
        profile: { login },
        credentials: { provider: { type: 'FEDERATION', name: 'FEDERATION' } },
      });
      const response = await admin('POST', `/api/v1/users/${created.body.id}`, {
        credentials: { password: { value: 'Admin-Set-Pass-7' } },
      });
      expect(response.status).toBe(403);
      expect(response.body.errorCode).toBe('E0000023');
    });
  });

  describe('refusals at the edge', () => {
    it('refuses unknown fields, naming them (400 E0000001)', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, { profile: { shoeSize: 44 } });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
      expect(JSON.stringify(response.body.errorCauses)).toContain('shoeSize');
      const hash = await admin('POST', `/api/v1/users/${user.id}`, {
        credentials: { password: { hash: { algorithm: 'ARGON2', value: 'x' } } },
      });
      expect(hash.status).toBe(400);
    });

    it('refuses to clear the login (400 E0000001)', async () => {
      const user = await createUser();
      const response = await admin('POST', `/api/v1/users/${user.id}`, { profile: { login: null } });
      expect(response.status).toBe(400);
      expect(response.body.errorCode).toBe('E0000001');
    });

    it('answers 404 E0000007 for an unknown user', async () => {
      const response = await admin('POST', '/api/v1/users/00000000-0000-4000-8000-000000000000', {
        profile: { firstName: 'X' },
      });
      expect(response.status).toBe(404);
      expect(response.body.errorCode).toBe('E0000007');
    });

    it('answers 403 E0000006 to a token without a user-admin role, and 401 without a token', async () => {
      const user = await createUser();
      const token = await admin('POST', '/api/v1/api-tokens', { name: 'reporting', role: 'READ_ONLY_ADMIN' });
      expect(token.status).toBe(201);
      const readOnly = await call(
        'PUT',
        `/api/v1/users/${user.id}`,
        { profile: { firstName: 'X' } },
        `SSWS ${token.body.token}`,
      );
      expect(readOnly.status).toBe(403);
      expect(readOnly.body.errorCode).toBe('E0000006');
      expect((await call('POST', `/api/v1/users/${user.id}`, { profile: { firstName: 'X' } })).status).toBe(
        401,
      );
    });
  });
});
