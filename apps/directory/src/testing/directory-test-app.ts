import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { EnvReader, type Logger, readBaseConfig, type ServiceManifest, silentLogger } from '@lapse/shared';
import { freePort } from '@lapse/shared/database/free-port';
import { createLapseApp } from '@lapse/shared/nest/bootstrap';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { readDirectoryConfig } from '../directory.config';
import { directoryManifest } from '../directory.manifest';
import { DirectoryModule } from '../directory.module';

export interface DirectoryTestApp {
  readonly url: string;
  readonly adminToken: string;
  readonly serviceToken: string;
  readonly databaseUrl: string;
  readonly app: INestApplication;
  /** The notifier's key pair stand-in: its JWKS is served on a real local HTTP server. */
  readonly notifierPrivateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  readonly notifierKid: string;
  close(): Promise<void>;
}

/** A stand-in for the notifier's JWKS endpoint (a real HTTP server with a real P-256 key). */
export async function startNotifierJwks(): Promise<{
  url: string;
  kid: string;
  privateKey: DirectoryTestApp['notifierPrivateKey'];
  server: Server;
}> {
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES+A256KW', {
    crv: 'P-256',
    extractable: true,
  });
  const kid = `notifier-${randomBytes(4).toString('hex')}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, use: 'enc', alg: 'ECDH-ES+A256KW' };
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`, kid, privateKey, server };
}

/**
 * The directory service alone (its module, migrations and publication) on a fresh database of the test
 * run's PostgreSQL and a free port, with cheap argon2 parameters.
 */
export async function startDirectoryTestApp(
  options: {
    env?: Record<string, string>;
    databaseUrl?: string;
    logger?: Logger;
    alongside?: ServiceManifest[];
  } = {},
): Promise<DirectoryTestApp> {
  const databaseUrl =
    options.databaseUrl ?? (await createTestDatabase(directoryManifest.migrations, 'directory'));
  const jwks = await startNotifierJwks();
  const port = await freePort();
  const adminToken = `00test${randomBytes(16).toString('hex')}`;
  const serviceToken = randomBytes(24).toString('hex');
  const env = new EnvReader({
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    ADMIN_API_TOKEN: adminToken,
    SERVICE_API_TOKEN: serviceToken,
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_ITERATIONS: '1',
    NOTIFIER_JWKS_URL: jwks.url,
    ...options.env,
  });
  const base = readBaseConfig(env);
  const app = await createLapseApp({
    logger: options.logger ?? silentLogger,
    infrastructure: {
      service: 'directory',
      databaseUrl,
      transport: 'embedded',
      serviceApiToken: serviceToken,
      adminRateLimitPerMinute: base.adminRateLimitPerMinute,
    },
    services: [directoryManifest, ...(options.alongside ?? [])],
    modules: [DirectoryModule.register(readDirectoryConfig(env, base))],
  });
  await app.listen(port, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    serviceToken,
    databaseUrl,
    app,
    notifierPrivateKey: jwks.privateKey,
    notifierKid: jwks.kid,
    async close() {
      await app.close();
      await new Promise((resolve) => jwks.server.close(resolve));
    },
  };
}

/** A small HTTP client for specs: JSON in, status + JSON + headers out. */
export function client(baseUrl: string, authorization: string | null) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(authorization ? { authorization } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: specs read arbitrary JSON
    const json: any = text ? JSON.parse(text) : null;
    return { status: response.status, body: json, headers: response.headers };
  };
}

/** A logger that keeps every line it is given, unredacted, so specs can prove no secret is ever passed to it. */
export function capturingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const record = (level: string) => (obj: object, msg?: string) => {
    lines.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  };
  const logger: Logger & { lines: string[] } = {
    lines,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
    child: (bindings: object) => {
      lines.push(`child ${JSON.stringify(bindings)}`);
      return logger;
    },
  };
  return logger;
}
