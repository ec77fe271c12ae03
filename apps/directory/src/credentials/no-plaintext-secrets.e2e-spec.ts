import { Client } from 'pg';
import {
  capturingLogger,
  client,
  type DirectoryTestApp,
  startDirectoryTestApp,
} from '../testing/directory-test-app';

/** Every row of every table of the directory database, as text. */
async function dumpDatabase(url: string): Promise<string> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const { rows: tables } = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const dump: string[] = [];
    for (const { table_name } of tables) {
      const { rows } = await db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      dump.push(...rows.map((r) => `${table_name}: ${r.row}`));
    }
    return dump.join('\n');
  } finally {
    await db.end();
  }
}

describe('secrets in the directory', () => {
  let lapse: DirectoryTestApp;
  const logger = capturingLogger();

  beforeAll(async () => {
    lapse = await startDirectoryTestApp({ logger });
  });
  afterAll(() => lapse.close());

  it('never stores or logs a plaintext password or temporary password, only argon2id hashes and a sealed envelope', async () => {
    const admin = client(lapse.url, `SSWS ${lapse.adminToken}`);
    const created = await admin('POST', '/api/v1/users?activate=true', {
      profile: { login: 'secretive@example.com', email: 'secretive@example.com' },
      credentials: { password: { value: 'Initial1secret' } },
    });
    const id = created.body.id;
    const issued = await admin(
      'POST',
      `/api/v1/users/${id}/lifecycle/expire_password_with_temp_password?deliver=email`,
    );
    const legacy = await admin('POST', `/api/v1/users/${id}/lifecycle/expire_password?tempPassword=true`);
    const temporaries = [issued.body.tempPassword, legacy.body.tempPassword] as string[];
    expect(temporaries.every((t) => typeof t === 'string' && t.length >= 12)).toBe(true);
    await admin('POST', `/api/v1/users/${id}/credentials/change_password`, {
      oldPassword: { value: legacy.body.tempPassword },
      newPassword: { value: 'Changed2secret' },
    });
    await admin('POST', `/api/v1/users/${id}/credentials/change_password`, {
      oldPassword: { value: 'Wrong3secret' },
      newPassword: { value: 'Refused4secret' },
    });
    const setByAdmin = await admin('POST', `/api/v1/users/${id}`, {
      profile: { firstName: 'Secret' },
      credentials: { password: { value: 'Admin5secret' } },
    });
    expect(setByAdmin.status).toBe(200);
    const reused = await admin('PUT', `/api/v1/users/${id}`, {
      credentials: { password: { value: 'Changed2secret' } },
    });
    expect(reused.status).toBe(400);
    expect(JSON.stringify([setByAdmin.body, reused.body])).not.toMatch(/Admin5secret|Changed2secret/);

    const dump = await dumpDatabase(lapse.databaseUrl);
    expect(dump).toContain('$argon2id$');
    expect(dump).toMatch(/"sealedPassword": ?"eyJ/);
    for (const secret of [
      ...temporaries,
      'Initial1secret',
      'Changed2secret',
      'Wrong3secret',
      'Refused4secret',
      'Admin5secret',
      lapse.adminToken,
    ]) {
      expect(dump.includes(secret)).toBe(false);
      expect(logger.lines.some((line) => line.includes(secret))).toBe(false);
    }
  });
});
