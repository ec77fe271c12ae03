import { allInOneCommand } from '../../../stack/src/service-command';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import { inParallel } from '../infra';
import { ServerProcess, sleep } from './process-tree';
import { callJson, type PeerTarget, type ProbeAnswer, rawRequest, waitUntilReady } from './target';

/** Users per import request: the route's maximum (before 2026-12-07: 180, all its 64 kB limit then held). */
const IMPORT_BATCH = 1000;

export interface LapseOptions {
  /** argon2id cost Lapse hashes new passwords with (PASSWORD_HASH_MEMORY_KIB / _ITERATIONS). */
  readonly memoryKib: number;
  readonly iterations: number;
  readonly importConcurrency: number;
}

/**
 * Lapse as `npm start` runs it: the all-in-one process (`dist/apps/main.js`, with the start script's node
 * flags: its heap budget) with its own
 * embedded PostgreSQL in a fresh DATA_DIR, on free loopback ports, with the argon2id cost given and the
 * sign-in rate limits raised: all the load comes from one address, and the expiry's probes sign one user in
 * back to back (the load still rotates over many users).
 */
export class LapseTarget implements PeerTarget {
  readonly name = 'lapse';
  private server: ServerProcess | null = null;
  private dataDir = '';
  private baseUrl = '';
  private readonly adminToken = `00bench${randomBytes(16).toString('hex')}`;

  constructor(private readonly options: LapseOptions) {}

  get about(): Record<string, unknown> {
    return {
      mode: `all-in-one (node ${allInOneCommand().nodeFlags.join(' ')} dist/apps/main.js), embedded PostgreSQL, embedded transport`,
      signIn: 'POST /api/v1/authn',
    };
  }

  get pid(): number {
    return this.server?.pid ?? 0;
  }

  get ended(): string | null {
    return this.server?.ended ?? null;
  }

  get signInUrl(): string {
    return `${this.baseUrl}/api/v1/authn`;
  }

  async start(): Promise<{ readyMs: number }> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'lapse-peer-lapse-'));
    const port = await freePort();
    this.baseUrl = `http://127.0.0.1:${port}`;
    const started = performance.now();
    this.server = ServerProcess.start(
      'lapse',
      process.execPath,
      [...allInOneCommand().nodeFlags, resolve(__dirname, '../../../../apps/main.js')],
      {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: this.baseUrl,
        DATA_DIR: this.dataDir,
        MAIL_UI_PORT: String(await freePort()),
        ADMIN_API_TOKEN: this.adminToken,
        ADMIN_RATE_LIMIT_PER_MINUTE: '100000000',
        AUTHN_RATE_LIMIT_PER_CLIENT_PER_MINUTE: '100000000',
        AUTHN_RATE_LIMIT_GLOBAL_PER_MINUTE: '100000000',
        // The expiry's probes sign one user in back to back, faster than Okta's 4 a second per username
        // (Keycloak, as started here, has no such limit: its brute-force detection is off by default).
        AUTHN_RATE_LIMIT_PER_SECOND: '1000000',
        PASSWORD_HASH_MEMORY_KIB: String(this.options.memoryKib),
        PASSWORD_HASH_ITERATIONS: String(this.options.iterations),
        LOG_LEVEL: 'warn',
      },
      this.dataDir,
    );
    const health = `${this.baseUrl}/health/ready`;
    await waitUntilReady(async () => (await fetch(health)).status === 200, this.server, 300_000);
    return { readyMs: performance.now() - started };
  }

  /** What the process was given: Lapse hashes new passwords with exactly these (docs/identity.md). */
  async hashingInEffect(): Promise<Record<string, unknown>> {
    return {
      algorithm: 'argon2id',
      memoryKib: this.options.memoryKib,
      iterations: this.options.iterations,
      parallelism: 1,
      source: 'PASSWORD_HASH_MEMORY_KIB / PASSWORD_HASH_ITERATIONS of the process',
    };
  }

  /** `POST /api/v1/users/import?activate=true`, the hash as `{algorithm: "ARGON2", value: <PHC>}`. */
  async importUsers(logins: readonly string[], phc: string): Promise<void> {
    const batches: string[][] = [];
    for (let start = 0; start < logins.length; start += IMPORT_BATCH)
      batches.push(logins.slice(start, start + IMPORT_BATCH));
    const lastChanged = new Date(Date.now() - 86_400_000).toISOString();
    await inParallel(batches, this.options.importConcurrency, async (batch) => {
      const answer = await this.admin('POST', '/api/v1/users/import?activate=true', {
        users: batch.map((login) => ({
          profile: { login, email: login, firstName: 'Bench', lastName: 'User' },
          credentials: {
            password: { hash: { algorithm: 'ARGON2', value: phc }, lastChanged },
            provider: { type: 'OKTA' },
          },
        })),
      });
      if (answer.status !== 200)
        throw new Error(`Lapse import failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    });
  }

  signInRequest(login: string, password: string): Buffer {
    return rawRequest(this.signInUrl, 'application/json', JSON.stringify({ username: login, password }));
  }

  async probe(login: string, password: string): Promise<ProbeAnswer> {
    const answer = await callJson(this.signInUrl, { method: 'POST', json: { username: login, password } });
    if (answer.status === 200 && answer.body.status === 'SUCCESS') return 'signed-in';
    if (answer.status === 200 && answer.body.status === 'PASSWORD_EXPIRED') return 'refused-expired';
    return `other: ${answer.status} ${String(answer.body.status ?? answer.body.errorCode ?? '')}`;
  }

  /** The bulk expiry, `POST /api/v1/users/lifecycle/expire_passwords`, then its job until COMPLETED. */
  async expireAll(): Promise<{ requestsDoneMs: number; completedMs: number }> {
    const started = performance.now();
    const accepted = await this.admin('POST', '/api/v1/users/lifecycle/expire_passwords', {
      providers: ['OKTA'],
      reason: 'peer benchmark',
    });
    if (accepted.status !== 202)
      throw new Error(`bulk expiry refused: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    const requestsDoneMs = performance.now() - started;
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const job = await this.admin('GET', `/api/v1/jobs/${String(accepted.body.id)}`);
      if (job.body.status === 'COMPLETED') break;
      if (Date.now() > deadline) throw new Error('the bulk expiry job did not complete within 15 minutes');
      await sleep(50);
    }
    return { requestsDoneMs, completedMs: performance.now() - started };
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  private admin(method: string, path: string, json?: unknown) {
    return callJson(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `SSWS ${this.adminToken}` },
      json,
    });
  }
}
