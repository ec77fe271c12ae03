import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  type BaseConfig,
  ConfigError,
  type EnvReader,
  type Logger,
  MIN_SECRET_LENGTH,
  newSecretToken,
  readBaseConfig,
} from '@lapse/shared';
import { startEmbeddedPostgres } from '@lapse/shared/database/embedded-postgres';
import { createLapseApp } from '@lapse/shared/nest/bootstrap';
import {
  databaseAddress,
  readStartTimeoutSeconds,
  waitForDependencies,
} from '@lapse/shared/nest/wait-for-dependencies';
import { readDirectoryConfig } from './directory/src/directory.config';
import { directoryManifest } from './directory/src/directory.manifest';
import { DirectoryModule } from './directory/src/directory.module';
import { readIdentityConfig } from './identity/src/identity.config';
import { identityManifest } from './identity/src/identity.manifest';
import { IdentityModule } from './identity/src/identity.module';
import { readNotifierConfig } from './notifier/src/notifier.config';
import { notifierManifest } from './notifier/src/notifier.manifest';
import { NotifierModule, notifierStartLines } from './notifier/src/notifier.module';

export interface AllInOne {
  readonly app: INestApplication;
  readonly config: BaseConfig & { readonly databaseUrl: string; readonly serviceApiToken: string };
  /** Lines to print at start (URLs, where the data and the admin token are). */
  readonly lines: string[];
  /** Closes the app, then the embedded PostgreSQL if this process started it. */
  stop(): Promise<void>;
}

/**
 * All-in-one mode: the three services' modules in one process on one port, one PostgreSQL (embedded
 * unless DATABASE_URL is set), events read straight from the PostgreSQL log (embedded transport).
 */
export async function createAllInOne(env: EnvReader, logger: Logger): Promise<AllInOne> {
  const base = { ...readBaseConfig(env), transport: 'embedded' as const };
  const embeddedPgPort = env.int('EMBEDDED_PG_PORT', 0, 0, 65535);
  const startTimeoutSeconds = readStartTimeoutSeconds(env);
  if (env.collecting) {
    // Every service's settings are read before anything starts, so all problems are reported at once;
    // they are read again below with the real database URL.
    env.checkAll(() =>
      serviceModules(env, { ...base, databaseUrl: base.databaseUrl ?? '', serviceApiToken: '' }),
    );
  }
  if (base.databaseUrl) {
    await waitForDependencies([{ name: 'PostgreSQL', addresses: [databaseAddress(base.databaseUrl)] }], {
      timeoutSeconds: startTimeoutSeconds,
      print: (line) => process.stderr.write(`lapse: ${line}\n`),
      logger,
    });
  }
  const lines: string[] = [];
  await mkdir(base.dataDir, { recursive: true });
  await bootstrapAdminToken(env, base.dataDir, lines);

  let databaseUrl = base.databaseUrl;
  let stopPostgres: () => Promise<void> = async () => undefined;
  if (!databaseUrl) {
    const server = await startEmbeddedPostgres({
      dir: base.dataDir,
      port: embeddedPgPort || undefined,
      persistent: true,
      sharedBuffersMb: base.embeddedPgSharedBuffersMb,
      onNotice: (message) => logger.warn({}, message),
    });
    databaseUrl = await server.createServiceDatabase('lapse').catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    stopPostgres = () => server.stop();
    lines.push(`  PostgreSQL:  embedded on 127.0.0.1:${server.port}, data in ${base.dataDir}`);
  }
  const serviceApiToken = base.serviceApiToken ?? newSecretToken();

  const config = { ...base, databaseUrl, serviceApiToken };
  const app = await createLapseApp({
    logger,
    infrastructure: {
      service: 'lapse',
      databaseUrl,
      transport: 'embedded',
      serviceApiToken,
      adminRateLimitPerMinute: base.adminRateLimitPerMinute,
      inboxRetentionHours: base.inboxRetentionHours,
    },
    services: [directoryManifest, identityManifest, notifierManifest],
    http: { trustProxy: base.trustProxy },
    modules: serviceModules(env, config),
  });
  lines.push(...notifierStartLines(app));
  let stopped = false;
  return {
    app,
    config,
    lines,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await stopPostgres();
    },
  };
}

/** The three services' modules, each reading its own settings. */
function serviceModules(env: EnvReader, config: BaseConfig) {
  // Identity's routes come first: `POST /api/v1/users/me/credentials/change_password` (the session cookie's
  // user) must match before directory's `/api/v1/users/:id/...` (the gateway routes it the same way).
  return [
    IdentityModule.register(readIdentityConfig(env, config)),
    DirectoryModule.register(readDirectoryConfig(env, config)),
    NotifierModule.register(readNotifierConfig(env, config)),
  ];
}

/** ADMIN_API_TOKEN, or one generated at first start, stored in DATA_DIR and printed once. */
async function bootstrapAdminToken(env: EnvReader, dataDir: string, lines: string[]): Promise<void> {
  if (env.secret('ADMIN_API_TOKEN')) return;
  const file = join(dataDir, 'admin-api-token');
  const stored = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (stored !== undefined) {
    if (stored.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        'ADMIN_API_TOKEN',
        `(stored in ${file}) must be at least ${MIN_SECRET_LENGTH} characters long`,
      );
    }
    process.env.ADMIN_API_TOKEN = stored;
    lines.push(`  Admin token: stored in ${file}`);
    return;
  }
  const token = `00${randomBytes(30).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  process.env.ADMIN_API_TOKEN = token;
  // Set apart from the other start lines so it is not missed; printed, never logged.
  const rule = `  ${'='.repeat(76)}`;
  lines.push(
    rule,
    `  Admin token: ${token}`,
    `  Shown this once. Stored in ${file} (readable by this user only).`,
    rule,
  );
}
