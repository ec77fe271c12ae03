import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { eventually } from '@lapse/shared/testing/wait-for';

/** Logins compared one way (`normalizeLogin`) in directory and identity, in the real all-in-one app. */
describe('logins across directory and identity', () => {
  let lapse: TestApp;
  beforeAll(async () => {
    lapse = await startTestApp({ env: { PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_ITERATIONS: '1' } });
  }, 60_000);
  afterAll(() => lapse?.close());

  const password = 'Correct-Horse-7';
  const unique = () => randomBytes(4).toString('hex');
  const create = (login: string) =>
    lapse.admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: `${unique()}@example.com`, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: password } },
    });
  const signIn = (username: string) =>
    eventually(
      () => lapse.request('POST', '/api/v1/authn', { username, password }),
      (answer) => answer.body.status === 'SUCCESS',
    );

  describe('when Åda@… is created in directory', () => {
    const login = `Åda-${unique()}@example.com`;
    let userId: string;
    beforeAll(async () => {
      const created = await create(login);
      expect(created.status).toBe(200);
      userId = created.body.id;
    });

    it('keeps the login as entered', async () => {
      const user = await lapse.admin('GET', `/api/v1/users/${userId}`);
      expect(user.body.profile.login).toBe(login);
    });

    it('signs in at identity as ÅDA@EXAMPLE.COM', async () => {
      const answer = await signIn(login.toUpperCase());
      expect(answer.body.status).toBe('SUCCESS');
      expect(answer.body._embedded.user.id).toBe(userId);
    });

    it('signs in with the login decomposed (NFD), and with the Angstrom sign', async () => {
      const decomposed = login.normalize('NFD');
      expect(decomposed).not.toBe(login);
      expect((await signIn(decomposed)).body.status).toBe('SUCCESS');
      expect((await signIn(login.replace('Å', '\u212B'))).body.status).toBe('SUCCESS');
    });

    it('creates a session from the password at the legacy sessions route by another form', async () => {
      await signIn(login);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a new per-username rate-limit window
      const session = await lapse.request('POST', '/api/v1/sessions', {
        username: login.normalize('NFD').toUpperCase(),
        password,
      });
      expect(session.status).toBe(200);
      expect(session.body.userId).toBe(userId);
    });

    it('counts sign-ins by every form of the login against one per-username limit', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const forms = [login, login.toUpperCase(), login.normalize('NFD'), login.replace('Å', '\u212B')];
      // Nine at once span at most two one-second windows, so one window holds five or more: over 4/s.
      const answers = await Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          lapse.request('POST', '/api/v1/authn', { username: forms[i % forms.length], password }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toContain(429);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    });

    it('finds the user by another form of the login', async () => {
      for (const form of [login.toUpperCase(), login.normalize('NFD'), login.toLowerCase()]) {
        const found = await lapse.admin('GET', `/api/v1/users/${encodeURIComponent(form)}`);
        expect(found.status).toBe(200);
        expect(found.body.id).toBe(userId);
      }
    });

    it('finds the user with a profile.login filter in another form', async () => {
      const filter = encodeURIComponent(`profile.login eq "${login.toUpperCase()}"`);
      const found = await lapse.admin('GET', `/api/v1/users?filter=${filter}`);
      expect(found.status).toBe(200);
      expect(found.body.map((user: { id: string }) => user.id)).toEqual([userId]);
    });

    it('refuses another user whose login is the same once normalized', async () => {
      const refused = await create(login.normalize('NFD').toUpperCase());
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        errorCode: 'E0000001',
        errorCauses: [
          { errorSummary: 'login: An object with this field already exists in the current organization' },
        ],
      });
    });
  });

  it('refuses ada@EXAMPLE.com after Ada@example.com', async () => {
    const local = `ada-${unique()}`;
    expect((await create(`${local}@example.com`.replace('ada', 'Ada'))).status).toBe(200);
    const refused = await create(`${local}@EXAMPLE.com`);
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('E0000001');
    expect(refused.body.errorCauses).toEqual([
      { errorSummary: 'login: An object with this field already exists in the current organization' },
    ]);
  });

  it('refuses straße@… after STRASSE@… (full case folding)', async () => {
    const domain = `${unique()}.example.com`;
    expect((await create(`STRASSE@${domain}`)).status).toBe(200);
    expect((await create(`straße@${domain}`)).status).toBe(400);
  });

  it('lets exactly one of two concurrent creates with equivalent logins succeed', async () => {
    const local = `race-${unique()}`;
    const answers = await Promise.all(
      [`${local}@example.com`, `${local.toUpperCase()}@EXAMPLE.COM`, `${local}@ｅｘａｍｐｌｅ.com`].map(
        create,
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
    const listed = await lapse.admin('GET', `/api/v1/users?q=${local}`);
    expect(listed.body).toHaveLength(1);
  });

  it('refuses an update that renames a user to another user’s login in another form', async () => {
    const [first, second] = [`first-${unique()}@example.com`, `second-${unique()}@example.com`];
    expect((await create(first)).status).toBe(200);
    const other = await create(second);
    const renamed = await lapse.admin('POST', `/api/v1/users/${other.body.id}`, {
      profile: { login: first.toUpperCase() },
    });
    expect(renamed.status).toBe(400);
    expect(renamed.body.errorCauses).toEqual([
      { errorSummary: 'login: An object with this field already exists in the current organization' },
    ]);
  });

  it('refuses an import holding a login twice in two forms, naming the second', async () => {
    const login = `import-${unique()}@example.com`;
    const hash = '$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
    const imported = await lapse.admin('POST', '/api/v1/users/import?activate=true', {
      users: [login, login.toUpperCase()].map((form) => ({
        profile: { login: form, email: `${unique()}@example.com` },
        credentials: { password: { hash: { algorithm: 'ARGON2', value: hash } } },
      })),
    });
    expect(imported.status).toBe(400);
    expect(imported.body.errorCauses).toEqual([
      {
        errorSummary:
          'users.1.profile.login: An object with this field already exists in the current organization',
      },
    ]);
  });
});
