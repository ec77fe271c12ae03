import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EnvReader, readBaseConfig, silentLogger } from '@lapse/shared';
import { startEmbeddedPostgres } from '@lapse/shared/database/embedded-postgres';
import { freePort } from '@lapse/shared/database/free-port';
import { createLapseApp } from '@lapse/shared/nest/bootstrap';
import { startKafkaBroker } from '@lapse/shared/testing/kafka-broker';
import { benchKafkaPort } from './infra';
import { createAllInOne } from '../../../apps/all-in-one';
import { readDirectoryConfig } from '../../../apps/directory/src/directory.config';
import { directoryManifest } from '../../../apps/directory/src/directory.manifest';
import { DirectoryModule } from '../../../apps/directory/src/directory.module';
import { createIdentityService } from '../../../apps/identity/src/main';

/** A running Lapse for a benchmark: where the admin API and identity answer, and how to stop it. */
export interface BenchStack {
  readonly adminUrl: string;
  readonly identityUrl: string;
  readonly adminToken: string;
  /** The Nest application hosting identity (to reach its providers). */
  readonly identityApp: INestApplication;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  readonly transport: 'embedded' | 'kafka';
  readonly env?: Record<string, string>;
}

/**
 * Embedded: the all-in-one app on an embedded PostgreSQL. Kafka: directory and identity as separate apps
 * (own databases, own ports) joined by a Kafka broker (KAFKA_BROKERS, else one started from the kafka
 * script).
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    return await start(options, cleanup);
  } catch (error) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw error;
  }
}

async function start(options: BenchStackOptions, cleanup: (() => Promise<void>)[]): Promise<BenchStack> {
  const dir = await mkdtemp(join(tmpdir(), 'lapse-bench-'));
  const pg = await startEmbeddedPostgres({ dir, persistent: false, fast: true });
  const adminToken = `00bench${randomBytes(16).toString('hex')}`;
  const serviceToken = randomBytes(24).toString('hex');
  const common = {
    HOST: '127.0.0.1',
    ADMIN_API_TOKEN: adminToken,
    SERVICE_API_TOKEN: serviceToken,
    ADMIN_RATE_LIMIT_PER_MINUTE: '100000000',
    // Benches sign in at full speed from one address: the per-client and global sign-in limits are not measured.
    AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '100000000',
    AUTHN_RATE_LIMIT_GLOBAL_PER_MINUTE: '100000000',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  cleanup.push(
    async () => pg.stop(),
    async () => rm(dir, { recursive: true, force: true }),
  );

  if (options.transport === 'embedded') {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const lapse = await createAllInOne(
      new EnvReader({
        ...common,
        PORT: String(port),
        PUBLIC_URL: url,
        DATABASE_URL: await pg.createDatabase('lapse'),
      }),
      silentLogger,
    );
    await lapse.app.listen(port, '127.0.0.1');
    return {
      adminUrl: url,
      identityUrl: url,
      adminToken,
      identityApp: lapse.app,
      stop: async () => {
        await lapse.stop();
        for (const step of cleanup) await step().catch(() => undefined);
      },
    };
  }

  let brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    const broker = await startKafkaBroker({ port: await benchKafkaPort() });
    brokers = broker.brokers;
    cleanup.unshift(() => broker.stop());
  }
  const kafka = { TRANSPORT: 'kafka', KAFKA_BROKERS: brokers.join(',') };
  const directoryPort = await freePort();
  const directoryUrl = `http://127.0.0.1:${directoryPort}`;
  const directoryEnv = new EnvReader({
    ...common,
    ...kafka,
    PORT: String(directoryPort),
    PUBLIC_URL: directoryUrl,
    DATABASE_URL: await pg.createDatabase('lapse_directory'),
  });
  const directoryBase = { ...readBaseConfig(directoryEnv), serviceApiToken: serviceToken };
  const directory = await createLapseApp({
    logger: silentLogger,
    infrastructure: {
      service: 'directory',
      databaseUrl: directoryBase.databaseUrl as string,
      transport: 'kafka',
      kafkaBrokers: brokers,
      serviceApiToken: serviceToken,
      adminRateLimitPerMinute: directoryBase.adminRateLimitPerMinute,
    },
    services: [directoryManifest],
    modules: [DirectoryModule.register(readDirectoryConfig(directoryEnv, directoryBase))],
  });
  await directory.listen(directoryPort, '127.0.0.1');
  const identityPort = await freePort();
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  const identity = await createIdentityService(
    new EnvReader({
      ...common,
      ...kafka,
      PORT: String(identityPort),
      PUBLIC_URL: identityUrl,
      DIRECTORY_URL: directoryUrl,
      DATABASE_URL: await pg.createDatabase('lapse_identity'),
    }),
    silentLogger,
  );
  await identity.app.listen(identityPort, '127.0.0.1');
  return {
    adminUrl: directoryUrl,
    identityUrl,
    adminToken,
    identityApp: identity.app,
    stop: async () => {
      await identity.stop();
      await directory.close();
      for (const step of cleanup) await step().catch(() => undefined);
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** A small keep-alive JSON client: lighter than fetch, so the load generator steals less CPU. */
export function httpJson(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Creates an active OKTA user through the admin API; returns its id. */
export async function createUser(stack: BenchStack, login: string, password: string): Promise<string> {
  const answer = await httpJson(
    `${stack.adminUrl}/api/v1/users?activate=true`,
    'POST',
    {
      profile: { login, email: login, firstName: 'Bench', lastName: 'User' },
      credentials: { password: { value: password } },
    },
    { authorization: `SSWS ${stack.adminToken}` },
  );
  if (answer.status !== 200)
    throw new Error(`user not created: ${answer.status} ${String(answer.body.errorCode)}`);
  return answer.body.id as string;
}
