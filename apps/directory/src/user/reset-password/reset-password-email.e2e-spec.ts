import { compactDecrypt } from 'jose';
import { Pool } from 'pg';
import { client, type DirectoryTestApp, startDirectoryTestApp } from '../../testing/directory-test-app';

/**
 * `reset_password` with `sendEmail=true` (Okta's default) on directory alone: the link is sealed for the
 * notifier and recorded only sealed; without the notifier's keys nothing changes (503 E0000050).
 */
describe('resetting a password with sendEmail=true', () => {
  let n = 0;
  const createUser = async (admin: ReturnType<typeof client>) => {
    const login = `reset${++n}.${Date.now()}@example.com`;
    const response = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login, email: login, firstName: 'Ada', lastName: 'Lovelace' },
      credentials: { password: { value: 'Initial1pass' } },
    });
    expect(response.status).toBe(200);
    return response.body.id as string;
  };

  describe('when the notifier’s keys are available', () => {
    let lapse: DirectoryTestApp;
    let admin: ReturnType<typeof client>;
    let pool: Pool;

    beforeAll(async () => {
      lapse = await startDirectoryTestApp();
      admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
      pool = new Pool({ connectionString: lapse.databaseUrl, max: 2 });
    });
    afterAll(async () => {
      await pool.end();
      await lapse.close();
    });

    it('answers {} and records the link only sealed for the notifier, with the contact to email', async () => {
      const id = await createUser(admin);
      const reset = await admin('POST', `/api/v1/users/${id}/lifecycle/reset_password`);
      expect(reset.status).toBe(200);
      expect(reset.body).toEqual({});
      const { rows } = await pool.query(
        "SELECT data FROM lapse_events WHERE stream_id = $1 AND type = 'RecoveryStarted'",
        [`user-${id}`],
      );
      const { email } = rows[0].data;
      expect(email).toMatchObject({ to: expect.stringContaining('@example.com'), firstName: 'Ada' });
      const opened = await compactDecrypt(email.sealedLink, lapse.notifierPrivateKey);
      expect(opened.protectedHeader).toMatchObject({
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
        kid: lapse.notifierKid,
      });
      const contents = JSON.parse(new TextDecoder().decode(opened.plaintext));
      expect(contents).toMatchObject({
        userId: id,
        deliveryId: email.deliveryId,
        expiresAt: rows[0].data.expiresAt,
      });
      const token = (contents.resetPasswordUrl as string).split('/reset_password/')[1];
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { rows: everything } = await pool.query('SELECT data::text AS data FROM lapse_events');
      expect(everything.some((row) => row.data.includes(token))).toBe(false);
      const log = await admin(
        'GET',
        `/api/v1/logs?filter=${encodeURIComponent(`eventType eq "user.account.reset_password" and target.id eq "${id}"`)}`,
      );
      expect(log.body[0].debugContext.debugData).toMatchObject({
        sendEmail: true,
        deliveryId: email.deliveryId,
      });
    });

    it('still refuses a user in one-time password mode (403 E0000507)', async () => {
      const id = await createUser(admin);
      await admin('POST', `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password?deliver=none`);
      const reset = await admin('POST', `/api/v1/users/${id}/lifecycle/reset_password`);
      expect(reset.status).toBe(403);
      expect(reset.body.errorCode).toBe('E0000507');
    });
  });

  describe('when the notifier’s keys cannot be fetched', () => {
    let lapse: DirectoryTestApp;
    let admin: ReturnType<typeof client>;

    beforeAll(async () => {
      lapse = await startDirectoryTestApp({ env: { NOTIFIER_JWKS_URL: 'http://127.0.0.1:9/jwks' } });
      admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    });
    afterAll(() => lapse.close());

    it('answers 503 E0000050 and leaves the user as they were', async () => {
      const id = await createUser(admin);
      const reset = await admin('POST', `/api/v1/users/${id}/lifecycle/reset_password`);
      expect(reset.status).toBe(503);
      expect(reset.body.errorCode).toBe('E0000050');
      expect((await admin('GET', `/api/v1/users/${id}`)).body.status).toBe('ACTIVE');
      const link = await admin('POST', `/api/v1/users/${id}/lifecycle/reset_password?sendEmail=false`);
      expect(link.status).toBe(200);
      expect(link.body.resetPasswordUrl).toContain('/reset_password/');
    });
  });
});
