import { EnvReader } from '@lapse/shared';
import { IdentityHarness } from '../testing/identity-harness';
import { rebuildCredentialProjection } from './rebuild-projection';

describe('rebuilding the credential projection', () => {
  const identity = new IdentityHarness();
  beforeAll(() => identity.start(), 30_000);
  afterAll(() => identity.close());

  it('replays directory events from scratch into the same rows', async () => {
    const ada = await identity.directory.addUser({ login: 'ada@example.com', password: 'Correct-Horse-7' });
    await identity.directory.update(ada.userId, { status: 'PASSWORD_EXPIRED', passwordExpired: true });
    await identity.projected(ada.userId, 2);
    const before = await identity.pool.query(
      'SELECT user_id, status, credential_version, password_hash FROM identity_credentials ORDER BY user_id',
    );
    await identity.app.close();

    const databaseUrl = (await identity.pool.query('SELECT current_database() AS db')).rows[0].db as string;
    const url = new URL(process.env.LAPSE_TEST_ADMIN_URL as string);
    url.pathname = `/${databaseUrl}`;
    const forgotten = await rebuildCredentialProjection(new EnvReader({ DATABASE_URL: url.toString() }));
    expect(forgotten.checkpoints).toBe(1);
    expect((await identity.pool.query('SELECT count(*)::int AS n FROM identity_credentials')).rows[0].n).toBe(
      0,
    );

    await identity.restart();
    await identity.caughtUp();
    const after = await identity.pool.query(
      'SELECT user_id, status, credential_version, password_hash FROM identity_credentials ORDER BY user_id',
    );
    expect(after.rows).toEqual(before.rows);
    const legacy = await identity.post('/api/v1/sessions', {
      username: 'ada@example.com',
      password: 'Correct-Horse-7',
    });
    expect(legacy.body.errorCode).toBe('E0000064');
  }, 30_000);
});
