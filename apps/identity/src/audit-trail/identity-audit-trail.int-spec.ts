import { IdentityHarness } from '../testing/identity-harness';

/**
 * Identity's audit events are written at most once per `AUDIT_WRITE_INTERVAL_MS`: the first after a quiet
 * spell at once, those recorded within the interval that follows together in one append, and a graceful stop
 * writes what is still waiting. Here the interval (a minute) outlasts the spec, so only the stop can write the
 * second batch.
 */
describe("identity's audit writes, spaced by AUDIT_WRITE_INTERVAL_MS", () => {
  const identity = new IdentityHarness({ AUDIT_WRITE_INTERVAL_MS: '60000' });
  const suffix = Math.random().toString(36).slice(2);

  beforeAll(() => identity.start(), 60_000);
  afterAll(() => identity.close());

  /** The logins of the SignInAttempted events in the log, with the transaction that appended each. */
  async function attempts(): Promise<{ login: string; txid: string }[]> {
    const { rows } = await identity.pool.query<{ login: string; txid: string }>(
      `SELECT data->>'login' AS login, transaction_id::text AS txid FROM lapse_events
        WHERE type = 'SignInAttempted' AND data->>'login' LIKE $1 ORDER BY global_position`,
      [`%-${suffix}@example.com`],
    );
    return rows;
  }

  it('writes the first at once, the next ones together, and what waits when the process stops', async () => {
    const signIn = (name: string) =>
      identity.post('/api/v1/authn', {
        username: `${name}-${suffix}@example.com`,
        password: 'Wrong-Horse-7',
      });
    expect((await signIn('first')).status).toBe(401);
    const deadline = Date.now() + 5000;
    while ((await attempts()).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await attempts()).map((row) => row.login)).toEqual([`first-${suffix}@example.com`]);

    expect((await signIn('second')).status).toBe(401);
    expect((await signIn('third')).status).toBe(401);
    await identity.restart();

    const written = await attempts();
    expect(written.map((row) => row.login)).toEqual([
      `first-${suffix}@example.com`,
      `second-${suffix}@example.com`,
      `third-${suffix}@example.com`,
    ]);
    expect(written[1].txid).toBe(written[2].txid);
    expect(written[1].txid).not.toBe(written[0].txid);
  });
});
