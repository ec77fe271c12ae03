import { CREDENTIAL_PROJECTION_CONSUMER } from '../../apps/identity/src/credential-projection/credential.projection';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { Client } from 'pg';

describe('revoking an admin API token', () => {
  let lapse: TestApp;
  let db: Client;

  beforeAll(async () => {
    lapse = await startTestApp();
    db = new Client({ connectionString: lapse.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await lapse?.close();
  });

  it("is refused by identity's admin route as soon as identity has consumed the revocation, not after its cache expires", async () => {
    const created = await lapse.admin('POST', '/api/v1/api-tokens', { name: 'helpdesk', role: 'USER_ADMIN' });
    expect(created.status).toBe(201);
    const helpdesk = { authorization: `SSWS ${created.body.token}` };
    const endSessions = () =>
      lapse.request('DELETE', '/api/v1/users/00u-no-such-user/sessions', undefined, helpdesk);

    // Identity now holds a positive introspection answer for this token (kept 30 s).
    expect((await endSessions()).status).toBe(204);

    expect((await lapse.admin('DELETE', `/api/v1/api-tokens/${created.body.id}`)).status).toBe(204);
    const [revoked] = (
      await db.query<{ event_id: string; data: unknown }>(
        `SELECT event_id::text, data FROM lapse_events WHERE stream_id = $1 AND type = 'AdminTokenRevoked'`,
        [`admin-token-${created.body.id}`],
      )
    ).rows;
    // The event names the token by id only: neither the token nor a hash of it is in the log.
    expect(Object.keys(revoked.data as object).sort()).toEqual(['revokedAt', 'tokenId']);
    expect(JSON.stringify(revoked.data)).not.toContain(created.body.token);

    await waitFor('identity to consume AdminTokenRevoked', async () => {
      const { rowCount } = await db.query('SELECT 1 FROM lapse_inbox WHERE consumer = $1 AND event_id = $2', [
        CREDENTIAL_PROJECTION_CONSUMER,
        revoked.event_id,
      ]);
      return rowCount === 1;
    });
    const refused = await endSessions();
    expect({ status: refused.status, errorCode: refused.body.errorCode }).toEqual({
      status: 401,
      errorCode: 'E0000011',
    });
  });

  it('answers 404 to a second revocation of the same token, and appends nothing more', async () => {
    const created = await lapse.admin('POST', '/api/v1/api-tokens', {
      name: 'twice',
      role: 'READ_ONLY_ADMIN',
    });
    expect((await lapse.admin('DELETE', `/api/v1/api-tokens/${created.body.id}`)).status).toBe(204);
    const again = await lapse.admin('DELETE', `/api/v1/api-tokens/${created.body.id}`);
    expect({ status: again.status, errorCode: again.body.errorCode }).toEqual({
      status: 404,
      errorCode: 'E0000007',
    });
    const { rows } = await db.query('SELECT version FROM lapse_events WHERE stream_id = $1', [
      `admin-token-${created.body.id}`,
    ]);
    expect(rows).toEqual([{ version: 1 }]);
  });

  it('answers 404 to revoking a token that does not exist, and appends nothing', async () => {
    const id = '4b0e5bd3-6c44-4a3e-9d4f-000000000000';
    const missing = await lapse.admin('DELETE', `/api/v1/api-tokens/${id}`);
    expect({ status: missing.status, errorCode: missing.body.errorCode }).toEqual({
      status: 404,
      errorCode: 'E0000007',
    });
    const { rowCount } = await db.query('SELECT 1 FROM lapse_events WHERE stream_id = $1', [
      `admin-token-${id}`,
    ]);
    expect(rowCount).toBe(0);
  });
});
