import { randomUUID } from 'node:crypto';
import { EnvReader } from '@lapse/shared';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { Client } from 'pg';
import { directoryManifest } from '../directory.manifest';
import { printSetupCode } from './setup-code.cli';

describe('npm run directory:setup-code', () => {
  let databaseUrl: string;
  let db: Client;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(directoryManifest.migrations, 'setup');
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });
  afterAll(() => db?.end());

  const run = () =>
    printSetupCode(new EnvReader({ DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://lapse.example.com' }));

  it('prints a new code for the setup page, beside the ones before, and stores only their hashes', async () => {
    const first = await run();
    const second = await run();
    const pattern =
      /^No super administrator yet\. Open https:\/\/lapse\.example\.com\/admin\/setup and type the one-time setup code ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})$/;
    const [, code1] = pattern.exec(first) ?? [];
    const [, code2] = pattern.exec(second) ?? [];
    expect(code1).toBeDefined();
    expect(code2).not.toBe(code1);
    const { rows } = await db.query(
      'SELECT row_to_json(c)::text AS row FROM directory_console_setup_codes c WHERE expires_at > now()',
    );
    expect(rows).toHaveLength(2);
    for (const { row } of rows)
      for (const code of [code1, code2]) expect(row).not.toContain(code.replace(/-/g, ''));
  });

  it('refuses once a super administrator exists', async () => {
    await db.query(
      "INSERT INTO directory_admin_roles (role_id, user_id, type, assigned_at) VALUES ('ra1', $1, 'SUPER_ADMIN', now())",
      [randomUUID()],
    );
    await expect(run()).rejects.toThrow('a super administrator exists already');
  });
});
