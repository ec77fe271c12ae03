import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { EnvReader } from '../config/env';
import { createDatabase } from '../database/create-database';
import { freePort } from '../database/free-port';
import { type Logger, silentLogger } from '../logging/logger';

/** Argon2id at its cheapest, for specs that create users and sign in (add to `startTestApp`'s `env`). */
export const FAST_PASSWORD_HASHING: Readonly<Record<string, string>> = {
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_ITERATIONS: '1',
};

/** An answer as specs read it: the status, the JSON body (`{}` when empty) and the headers. */
export interface TestAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: specs read arbitrary JSON
  readonly body: any;
  readonly headers: Headers;
}

export interface TestApp {
  readonly url: string;
  readonly adminToken: string;
  readonly serviceToken: string;
  readonly databaseUrl: string;
  readonly app: INestApplication;
  /** A JSON request to the app (`headers` added to content-type and accept). */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestAnswer>;
  /** The same with the bootstrap admin token (`Authorization: SSWS …`). */
  admin(method: string, path: string, body?: unknown): Promise<TestAnswer>;
  close(): Promise<void>;
}

async function jsonRequest(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<TestAnswer> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

/**
 * The real all-in-one app (all three services, embedded transport) on a fresh database of the test run's
 * PostgreSQL and a free port. `env` adds or overrides configuration variables; `logger` receives the app's
 * log lines (silent by default), for specs that check what is logged.
 */
export async function startTestApp(
  options: { env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestApp> {
  const adminUrl = process.env.LAPSE_TEST_ADMIN_URL;
  if (!adminUrl)
    throw new Error(
      'LAPSE_TEST_ADMIN_URL is not set: run this spec through jest (global setup starts PostgreSQL)',
    );
  const name = `app_${randomBytes(6).toString('hex')}`;
  await createDatabase(adminUrl, name);
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  const port = await freePort();
  const adminToken = `00test${randomBytes(16).toString('hex')}`;
  const serviceToken = randomBytes(24).toString('hex');
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The services' calls to each other go to this process, also when a spec sets PUBLIC_URL to a site
    // name that does not resolve (the default for both is PUBLIC_URL): identity's freshness check asked
    // that name and failed closed with 503 whenever a loaded machine let the lag measurement go stale.
    DIRECTORY_URL: `http://127.0.0.1:${port}`,
    IDENTITY_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    ADMIN_API_TOKEN: adminToken,
    SERVICE_API_TOKEN: serviceToken,
    DATA_DIR: `/tmp/lapse-test-data/${name}`,
    ...options.env,
  };
  // The all-in-one composition lives with the apps; the test kit loads it lazily.
  const { createAllInOne } = (await import(
    '../../../../apps/all-in-one'
  )) as typeof import('../../../../apps/all-in-one');
  const lapse = await createAllInOne(new EnvReader(env), options.logger ?? silentLogger);
  await lapse.app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const request: TestApp['request'] = (method, path, body, headers = {}) =>
    jsonRequest(`${url}${path}`, method, body, headers);
  return {
    url,
    request,
    admin: (method, path, body) =>
      request(method, path, body, { authorization: `SSWS ${env.ADMIN_API_TOKEN as string}` }),
    adminToken: env.ADMIN_API_TOKEN as string,
    serviceToken,
    databaseUrl,
    app: lapse.app,
    close: () => lapse.stop(),
  };
}
