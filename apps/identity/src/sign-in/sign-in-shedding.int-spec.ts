import { IdentityHarness } from '../testing/identity-harness';

const PASSWORD = 'Correct-Horse-7';

/**
 * Load shedding: with `SIGN_IN_MAX_IN_FLIGHT` sign-ins already being verified, one more is answered at once
 * with Okta's rate-limit error and `Retry-After`, instead of queueing behind the hashing threads; every slot
 * is given back, whatever the answer was.
 */
describe('sign-ins past SIGN_IN_MAX_IN_FLIGHT', () => {
  const identity = new IdentityHarness({
    SIGN_IN_MAX_IN_FLIGHT: '2',
    AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '100000',
    AUTHN_RATE_LIMIT_GLOBAL_PER_MINUTE: '100000',
  });
  const authn = (username: string, password: string) =>
    identity.post('/api/v1/authn', { username, password });
  const users: string[] = [];

  beforeAll(async () => {
    await identity.start();
    for (let n = 0; n < 40; n++) {
      const created = await identity.directory.addUser({
        login: `shed-${n}-${Math.random().toString(36).slice(2)}@example.com`,
        password: PASSWORD,
      });
      await identity.projected(created.userId, created.credentialVersion);
      users.push(created.login);
    }
  }, 60_000);
  afterAll(() => identity.close());

  it('answers 429 E0000047 with Retry-After to the sign-ins past the bound, and never a 5xx', async () => {
    const answers = await Promise.all(users.map((login) => authn(login, PASSWORD)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    expect(statuses).toContain(200);
    const shed = answers.filter((answer) => answer.status === 429);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) {
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body).toMatchObject({
        errorCode: 'E0000047',
        errorSummary: 'API call exceeded rate limit due to too many requests.',
        errorCauses: [],
      });
    }
  });

  it('gives every slot back, after right and wrong passwords alike', async () => {
    await Promise.all(users.map((login, n) => authn(login, n % 2 === 0 ? PASSWORD : 'Wrong-Password-1')));
    for (const login of users.slice(0, 5)) {
      const answer = await authn(login, PASSWORD);
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('SUCCESS');
    }
    for (const login of users.slice(5, 8)) expect((await authn(login, 'Wrong-Password-1')).status).toBe(401);
    expect((await authn(users[8], PASSWORD)).body.status).toBe('SUCCESS');
  });
});
