import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOwnedDatabase } from '@lapse/shared/database/create-database';
import { freePort } from '@lapse/shared/database/free-port';
import { waitFor } from '@lapse/shared/testing/wait-for';
import { Client } from 'pg';
import { type RunningEntryPoint, runEntryPoint } from '../support/built-entry-point';

/** What PostgreSQL answers when `user` signs in with `password` to `database`: 'ok' or the SQLSTATE. */
async function signIn(port: number, user: string, password: string, database: string): Promise<string> {
  const client = new Client({ host: '127.0.0.1', port, user, password, database });
  // A refused connection (42501) can leave its socket behind until the server stops, which then sends it
  // 57P01; without a listener that 'error' event failed the spec at random (twice in CI runs).
  client.on('error', () => undefined);
  try {
    await client.connect();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function asSuperuser<T>(
  port: number,
  password: string,
  database: string,
  work: (db: Client) => Promise<T>,
) {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `work`, once more (up to five times in all) each time PostgreSQL ends it as a deadlock's victim. */
async function againAfterDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt === 5) throw error;
    }
  }
}

/** What npm start printed, less the lines that carry a secret (the admin token, the mail login). */
const withoutSecrets = (output: string) =>
  output.replace(/^.*(Admin token|Mail login).*$/gm, '[line with a secret]');

const secretIn = async (file: string) => (await readFile(file, 'utf8')).trim();

// `npm start` as it runs (the built entry point; `npm test` builds first) on a data directory of its own.
describe('the embedded PostgreSQL of npm start', () => {
  let dataDir: string;
  let pgPort: number;
  let run: RunningEntryPoint | undefined;
  let appUrl = '';

  async function start(): Promise<RunningEntryPoint> {
    const port = await freePort();
    const started = runEntryPoint('dist/apps/main.js', {
      PORT: String(port),
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      ADMIN_API_TOKEN: '',
      DATABASE_URL: '',
      MAIL_UI_PORT: '0',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      'npm start to be ready',
      async () => {
        if (started.child.exitCode !== null) {
          throw new Error(`npm start exited: ${withoutSecrets(started.output())}`);
        }
        return fetch(`${url}/health/ready`).then(
          (response) => response.status === 200,
          () => false,
        );
      },
      30_000,
    );
    appUrl = url;
    return started;
  }

  async function stop(): Promise<void> {
    run?.child.kill('SIGTERM');
    await run?.exited;
    run = undefined;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lapse-pg-secrets-'));
    pgPort = await freePort();
  });
  afterAll(async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates a superuser password per data directory, kept 0600, and refuses the former fixed one', async () => {
    run = await start();
    const file = join(dataDir, 'pg-superuser-password');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const password = await secretIn(file);
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await signIn(pgPort, 'postgres', 'lapse', 'postgres')).toBe('28P01');
    expect(await signIn(pgPort, 'postgres', password, 'postgres')).toBe('ok');
  }, 60_000);

  it('has the service connect as a role that owns its database and nothing more', async () => {
    const file = join(dataDir, 'pg-lapse_owner-password');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const ownerPassword = await secretIn(file);
    const superuser = await secretIn(join(dataDir, 'pg-superuser-password'));
    const facts = await asSuperuser(pgPort, superuser, 'lapse', async (db) => ({
      role: (
        await db.query(
          `SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolreplication, rolbypassrls
             FROM pg_roles WHERE rolname = 'lapse_owner'`,
        )
      ).rows[0],
      databaseOwner: (
        await db.query(`SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'lapse'`)
      ).rows[0].owner,
      tablesNotOwned: (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'lapse_owner'`,
        )
      ).rows[0].n,
      sessions: (
        await db.query(
          `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'lapse' AND pid <> pg_backend_pid()`,
        )
      ).rows.map((row) => row.usename),
    }));
    expect(facts).toEqual({
      role: {
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolcanlogin: true,
        rolreplication: false,
        rolbypassrls: false,
      },
      databaseOwner: 'lapse_owner',
      tablesNotOwned: 0,
      sessions: ['lapse_owner'],
    });
    expect(await signIn(pgPort, 'lapse_owner', ownerPassword, 'lapse')).toBe('ok');

    // Another service's database on the same server: neither role can connect to the other's.
    await createOwnedDatabase(
      `postgres://postgres:${superuser}@127.0.0.1:${pgPort}/postgres`,
      'identity',
      'identity_owner',
      'identity-owner-password-0123456789abcdef',
    );
    expect(await signIn(pgPort, 'lapse_owner', ownerPassword, 'identity')).toBe('42501');
    expect(await signIn(pgPort, 'identity_owner', 'identity-owner-password-0123456789abcdef', 'lapse')).toBe(
      '42501',
    );
    expect(
      await signIn(pgPort, 'identity_owner', 'identity-owner-password-0123456789abcdef', 'identity'),
    ).toBe('ok');
  });

  it('upgrades a data directory made before generated passwords, saying so, and keeps its data', async () => {
    const token = await secretIn(join(dataDir, 'admin-api-token'));
    const admin = { authorization: `SSWS ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${appUrl}/api/v1/users?activate=false`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ profile: { login: 'kept@example.com', email: 'kept@example.com' } }),
    });
    expect(created.status).toBe(200);
    // Back to what the former code left: everything owned by the superuser, whose password is `lapse`,
    // no owner role, no password files.
    const superuser = await secretIn(join(dataDir, 'pg-superuser-password'));
    await asSuperuser(pgPort, superuser, 'lapse', async (db) => {
      // The app runs meanwhile (it owns the embedded server): its consumers' and sweepers' locks can make
      // PostgreSQL pick one of these two as a deadlock victim (40P01); each is whole or nothing, so again.
      await againAfterDeadlock(() => db.query('REASSIGN OWNED BY lapse_owner TO postgres'));
      await againAfterDeadlock(() => db.query('DROP OWNED BY lapse_owner'));
      await db.query('GRANT ALL ON DATABASE lapse TO PUBLIC');
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'lapse_owner'`);
      await db.query('DROP ROLE lapse_owner');
      await db.query(`ALTER ROLE postgres PASSWORD 'lapse'`);
    });
    await stop();
    await unlink(join(dataDir, 'pg-superuser-password'));
    await unlink(join(dataDir, 'pg-lapse_owner-password'));

    run = await start();
    const printed = withoutSecrets(run.output());
    expect(printed).toContain("the superuser's former fixed password was replaced by a generated one");
    expect(printed).toContain(
      'database lapse, created before service roles, now belongs to role lapse_owner',
    );
    const password = await secretIn(join(dataDir, 'pg-superuser-password'));
    expect(await signIn(pgPort, 'postgres', 'lapse', 'postgres')).toBe('28P01');
    expect(await signIn(pgPort, 'postgres', password, 'postgres')).toBe('ok');
    const notOwned = await asSuperuser(pgPort, password, 'lapse', async (db) => {
      const { rows } = await db.query(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'lapse_owner'`,
      );
      return rows;
    });
    expect(notOwned).toEqual([]);
    const users = await fetch(`${appUrl}/api/v1/users`, { headers: admin });
    expect(
      ((await users.json()) as { profile: { login: string } }[]).map((user) => user.profile.login),
    ).toEqual(['kept@example.com']);
  }, 90_000);
});
