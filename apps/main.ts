import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createLogger, EnvReader, readBaseConfig } from '@lapse/shared';
import { createLapseApp } from '@lapse/shared/nest/bootstrap';
import { startEmbeddedPostgres } from '@lapse/shared/database/embedded-postgres';
import { exitOnStartFailure, listen } from '@lapse/shared/nest/run-service';
import { DirectoryModule } from './directory/src/directory.module';
import { directoryManifest } from './directory/src/directory.manifest';
import { readDirectoryConfig } from './directory/src/directory.config';
import { IdentityModule } from './identity/src/identity.module';
import { identityManifest } from './identity/src/identity.manifest';
import { readIdentityConfig } from './identity/src/identity.config';
import { NotifierModule } from './notifier/src/notifier.module';
import { notifierManifest } from './notifier/src/notifier.manifest';
import { readNotifierConfig } from './notifier/src/notifier.config';

/**
 * All-in-one mode: the three services' modules in one process on one port, one PostgreSQL (embedded
 * unless DATABASE_URL is set), events read straight from the PostgreSQL log.
 */
async function main(): Promise<void> {
  const env = new EnvReader();
  const base = { ...readBaseConfig(env), transport: 'embedded' as const };
  const logger = createLogger('lapse');
  const printed: string[] = [];

  let databaseUrl = base.databaseUrl;
  let stopPostgres: (() => Promise<void>) | undefined;
  if (!databaseUrl) {
    const server = await startEmbeddedPostgres({
      dir: base.dataDir,
      port: env.int('EMBEDDED_PG_PORT', 0, 0, 65535) || undefined,
      persistent: true,
    });
    databaseUrl = await server.createDatabase('lapse');
    stopPostgres = () => server.stop();
    printed.push(`Embedded PostgreSQL on 127.0.0.1:${server.port} (data in ${base.dataDir})`);
  }
  await bootstrapAdminToken(env, base.dataDir, printed);

  const config = { ...base, databaseUrl };
  const app = await createLapseApp({
    logger,
    infrastructure: { service: 'lapse', databaseUrl, transport: 'embedded' },
    services: [directoryManifest, identityManifest, notifierManifest],
    modules: [
      DirectoryModule.register(readDirectoryConfig(env, config)),
      IdentityModule.register(readIdentityConfig(env, config)),
      NotifierModule.register(readNotifierConfig(env, config)),
    ],
  });
  if (stopPostgres) {
    const stop = stopPostgres;
    process.once('beforeExit', () => void stop());
    app.getHttpServer().once('close', () => void stop());
  }
  await listen(app, config, logger, [
    `  Admin API:   ${config.publicUrl}/api/v1/users   (Authorization: SSWS <ADMIN_API_TOKEN>)`,
    `  Sign-in API: ${config.publicUrl}/api/v1/authn`,
    `  Health:      ${config.publicUrl}/health/ready`,
    ...printed,
  ]);
}

/** ADMIN_API_TOKEN, or one generated at first start, stored in DATA_DIR and printed once. */
async function bootstrapAdminToken(env: EnvReader, dataDir: string, printed: string[]): Promise<void> {
  if (env.optional('ADMIN_API_TOKEN')) return;
  const file = join(dataDir, 'admin-api-token');
  try {
    process.env.ADMIN_API_TOKEN = (await readFile(file, 'utf8')).trim();
    printed.push(`Admin API token: stored in ${file}`);
  } catch {
    const token = `00${randomBytes(30).toString('base64url')}`;
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    process.env.ADMIN_API_TOKEN = token;
    printed.push(`Admin API token (shown once, stored in ${file}): ${token}`);
  }
}

main().catch(exitOnStartFailure('lapse'));
