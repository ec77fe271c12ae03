import { Client } from 'pg';

/** Creates a database if it does not exist; names are restricted to [a-z0-9_]. */
export async function createDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Invalid database name: ${name}`);
  const client = new Client({ connectionString: adminUrl });
  // A server stopping under it would otherwise raise an unhandled 'error' event (57P01).
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/** Role attributes of a service's database owner: it can log in, and nothing beyond its own database. */
const OWNER_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * As the superuser at `adminUrl`: the role `role` (with `password`, set again at every call) owns the
 * database `name` (created if missing) and everything in its `public` schema, and no other role may
 * connect to it (`REVOKE ALL ... FROM PUBLIC`). A database created before its owner role existed
 * (owned by the superuser) is handed over, tables, views and sequences included, so migrations keep
 * running as the owner. Returns whether objects had to be handed over.
 */
export async function createOwnedDatabase(
  adminUrl: string,
  name: string,
  role: string,
  password: string,
): Promise<{ handedOver: boolean }> {
  for (const identifier of [name, role]) {
    if (!/^[a-z0-9_]+$/.test(identifier)) throw new Error(`Invalid database or role name: ${identifier}`);
  }
  const client = new Client({ connectionString: adminUrl });
  // A server stopping under it would otherwise raise an unhandled 'error' event (57P01).
  client.on('error', () => undefined);
  await client.connect();
  let handedOver = false;
  try {
    const { rowCount: roleExists } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    // ALTER/CREATE ROLE take no bind parameters; the literal is escaped by pg.
    await client.query(
      `${roleExists ? 'ALTER' : 'CREATE'} ROLE ${role} ${OWNER_ATTRIBUTES} PASSWORD ${client.escapeLiteral(password)}`,
    );
    const { rows } = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
      [name],
    );
    if (rows.length === 0) {
      await client.query(`CREATE DATABASE ${name} OWNER ${role}`);
    } else if (rows[0].owner !== role) {
      await client.query(`ALTER DATABASE ${name} OWNER TO ${role}`);
      handedOver = await handOverPublicSchema(
        Object.assign(new URL(adminUrl), { pathname: `/${name}` }),
        role,
      );
    }
    await client.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  } finally {
    await client.end();
  }
  return { handedOver };
}

/** Makes `role` the owner of the tables, views and free-standing sequences of the database's `public` schema. */
async function handOverPublicSchema(databaseUrl: URL, role: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl.toString() });
  // A server stopping under it would otherwise raise an unhandled 'error' event (57P01).
  client.on('error', () => undefined);
  await client.connect();
  try {
    // A sequence owned by a column (serial, identity) follows its table; ALTER SEQUENCE would refuse it.
    const { rows } = await client.query<{ statement: string }>(
      `SELECT format('ALTER %s %I.%I OWNER TO %I',
                     CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                    WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                     n.nspname, c.relname, $1::text) AS statement
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) <> $1
          AND NOT (c.relkind = 'S' AND EXISTS (
                SELECT 1 FROM pg_depend d
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))`,
      [role],
    );
    for (const { statement } of rows) await client.query(statement);
    return rows.length > 0;
  } finally {
    await client.end();
  }
}
