import 'reflect-metadata';
import { join } from 'node:path';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { type BaseConfig, readBaseConfig } from '../config/base-config';
import { EnvReader } from '../config/env';
import { startEmbeddedPostgres } from '../database/embedded-postgres';
import { createLogger, type Logger } from '../logging/logger';
import { startTracing } from '../tracing/tracing';
import { createLapseApp } from './bootstrap';
import { exitOnStartFailure, listen, stopOnSignals } from './run-service';
import type { ServiceManifest } from './service-manifest';
import { databaseAddress, readStartTimeoutSeconds, waitForDependencies } from './wait-for-dependencies';

export interface MicroserviceDefinition {
  readonly manifest: ServiceManifest;
  readonly defaultPort: number;
  readonly module: (
    env: EnvReader,
    base: BaseConfig & { databaseUrl: string; serviceApiToken: string },
  ) => DynamicModule;
}

export interface Microservice {
  readonly app: INestApplication;
  readonly config: BaseConfig & { readonly databaseUrl: string; readonly serviceApiToken: string };
  /** Closes the app (consumers, relay, pool), then the embedded PostgreSQL if it started one. */
  stop(): Promise<void>;
}

/**
 * Microservices mode: one service per process with its own database, events over Kafka by default
 * (`TRANSPORT=kafka`, `KAFKA_BROKERS`). Without DATABASE_URL, an embedded PostgreSQL is started in
 * `DATA_DIR/<service>` so the topology can run on a machine without a database server.
 */
export async function createMicroservice(
  definition: MicroserviceDefinition,
  env: EnvReader = new EnvReader(),
  logger: Logger = createLogger(definition.manifest.name),
): Promise<Microservice> {
  const service = definition.manifest.name;
  const base = readBaseConfig(env, { port: definition.defaultPort, transport: 'kafka' });
  const serviceApiToken = base.serviceApiToken ?? '';
  if (!base.serviceApiToken) env.problem('SERVICE_API_TOKEN', 'is required in microservices mode');
  const startTimeoutSeconds = readStartTimeoutSeconds(env);
  if (env.collecting) {
    // Reads the service's own settings too, before anything starts, so every problem is reported at once;
    // the module is built again below with the real database URL.
    env.checkAll(() =>
      definition.module(env, { ...base, databaseUrl: base.databaseUrl ?? '', serviceApiToken }),
    );
  }
  await waitForDependencies(
    [
      ...(base.transport === 'kafka' ? [{ name: 'the Kafka broker', addresses: base.kafkaBrokers }] : []),
      ...(base.databaseUrl ? [{ name: 'PostgreSQL', addresses: [databaseAddress(base.databaseUrl)] }] : []),
    ],
    {
      timeoutSeconds: startTimeoutSeconds,
      print: (line) => process.stderr.write(`${service}: ${line}\n`),
      logger,
    },
  );
  let databaseUrl = base.databaseUrl;
  let stopPostgres: () => Promise<void> = async () => undefined;
  if (!databaseUrl) {
    const server = await startEmbeddedPostgres({
      dir: join(base.dataDir, service),
      persistent: true,
      sharedBuffersMb: base.embeddedPgSharedBuffersMb,
      onNotice: (message) => logger.warn({}, message),
    });
    databaseUrl = await server.createServiceDatabase(service);
    stopPostgres = () => server.stop();
  }
  const config = { ...base, databaseUrl, serviceApiToken };
  const app = await createLapseApp({
    logger,
    infrastructure: {
      service,
      databaseUrl,
      transport: base.transport,
      kafkaBrokers: base.kafkaBrokers,
      serviceApiToken,
      adminRateLimitPerMinute: base.adminRateLimitPerMinute,
      inboxRetentionHours: base.inboxRetentionHours,
    },
    services: [definition.manifest],
    http: { trustProxy: base.trustProxy },
    modules: [definition.module(env, config)],
  });
  let stopped = false;
  return {
    app,
    config,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await stopPostgres();
    },
  };
}

/** Runs one service as its own process until SIGTERM/SIGINT, then shuts down gracefully. */
export function runMicroservice(definition: MicroserviceDefinition): void {
  const service = definition.manifest.name;
  (async () => {
    // Before the app is built: its HTTP layer installs the request spans only while tracing is on.
    const tracing = startTracing(service);
    const logger = createLogger(service);
    const microservice = await createMicroservice(
      definition,
      new EnvReader(process.env, { collect: true }),
      logger,
    );
    stopOnSignals(async () => {
      await microservice.stop();
      await tracing.shutdown();
    }, logger);
    await listen(microservice.app, microservice.config, logger, [
      `  ${service} service, transport ${microservice.config.transport}`,
    ]);
  })().catch(exitOnStartFailure(service));
}
