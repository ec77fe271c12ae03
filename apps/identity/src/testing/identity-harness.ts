import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { createPool, EnvReader, readBaseConfig, silentLogger } from '@lapse/shared';
import { freePort } from '@lapse/shared/database/free-port';
import { createLapseApp } from '@lapse/shared/nest/bootstrap';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import type { Pool } from 'pg';
import { readIdentityConfig } from '../identity.config';
import { identityManifest } from '../identity.manifest';
import { IdentityModule } from '../identity.module';
import { FakeDirectory, fakeDirectoryManifest, TEST_HASH } from './fake-directory';

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> & { errorCode?: string; errorCauses?: { errorSummary: string }[] };
  readonly headers: Headers;
}

/**
 * Identity alone, on a fresh database and a free port, wired to a fake directory (real HTTP, real event
 * log, real embedded transport and consumer). `restart()` starts a new process image on the same database.
 */
export class IdentityHarness {
  app!: INestApplication;
  url = '';
  pool!: Pool;
  directory!: FakeDirectory;
  readonly serviceToken = randomBytes(24).toString('hex');
  private databaseUrl = '';

  constructor(
    private readonly env: Record<string, string> = {},
    private readonly policy?: Record<string, unknown>,
  ) {}

  async start(): Promise<this> {
    this.databaseUrl = await createTestDatabase(identityManifest.migrations, 'identity');
    this.pool = createPool(this.databaseUrl, 4);
    this.directory = new FakeDirectory(this.pool, this.serviceToken);
    if (this.policy) this.directory.policy = this.policy;
    await this.directory.start();
    await this.startApp();
    return this;
  }

  async restart(): Promise<void> {
    await this.app.close();
    await this.startApp();
  }

  async close(): Promise<void> {
    await this.app?.close();
    await this.directory?.stop();
    await this.pool?.end();
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
  }

  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer> {
    return this.request('POST', path, body, headers);
  }

  /** Waits until identity's projection holds at least `version` of the user's credential. */
  async projected(userId: string, version: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await this.pool.query<{ v: number }>(
        'SELECT credential_version AS v FROM identity_credentials WHERE user_id = $1',
        [userId],
      );
      if ((rows[0]?.v ?? 0) >= version) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`projection did not reach version ${version} of ${userId}`);
  }

  /** Waits until the consumer has caught up with everything appended so far. */
  async caughtUp(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await this.pool.query<{ pending: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM lapse_events e,
             (SELECT split_part(position, ':', 1)::xid8 AS tx, split_part(position, ':', 2)::bigint AS pos
                FROM lapse_checkpoints WHERE consumer = 'identity.credential-projection' AND source = 'log') cp
            WHERE (e.transaction_id, e.global_position) > (cp.tx, cp.pos)
         ) OR NOT EXISTS (SELECT 1 FROM lapse_checkpoints WHERE consumer = 'identity.credential-projection') AS pending`,
      );
      if (!rows[0].pending) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('projection did not catch up');
  }

  private async startApp(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const env = new EnvReader({
      PORT: String(port),
      PUBLIC_URL: this.url,
      DATABASE_URL: this.databaseUrl,
      DIRECTORY_URL: this.directory.url,
      PASSWORD_HASH_MEMORY_KIB: String(TEST_HASH.memoryKib),
      PASSWORD_HASH_ITERATIONS: String(TEST_HASH.iterations),
      PASSWORD_POLICY_CACHE_MS: '0',
      ...this.env,
    });
    const base = { ...readBaseConfig(env), transport: 'embedded' as const };
    this.app = await createLapseApp({
      logger: silentLogger,
      infrastructure: {
        service: 'identity',
        databaseUrl: this.databaseUrl,
        transport: 'embedded',
        serviceApiToken: this.serviceToken,
      },
      services: [identityManifest, fakeDirectoryManifest],
      modules: [IdentityModule.register(readIdentityConfig(env, base))],
    });
    await this.app.listen(port, '127.0.0.1');
  }
}
