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

  it('prints a new code for the setup page, replacing the one before, and stores only its hash', async () => {
    const first = await run();
    const second = await run();
    const pattern =
      /^No super administrator yet\. Open https:\/\/lapse\.example\.com\/admin\/setup and type the one-time setup code ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})$/;
    const [, code1] = pattern.exec(first) ?? [];
    const [, code2] = pattern.exec(second) ?? [];
    expect(code1).toBeDefined();
    expect(code2).not.toBe(code1);
    const { rows } = await db.query('SELECT row_to_json(s)::text AS row FROM directory_console_setup s');
    expect(rows).toHaveLength(1);
    expect(rows[0].row).not.toContain(code2.replace(/-/g, ''));
  });

  it('refuses once a super administrator exists', async () => {
    await db.query(
      "INSERT INTO directory_admin_roles (role_id, user_id, type, assigned_at) VALUES ('ra1', $1, 'SUPER_ADMIN', now())",
      [randomUUID()],
    );
    await expect(run()).rejects.toThrow('a super administrator exists already');
  });
});
