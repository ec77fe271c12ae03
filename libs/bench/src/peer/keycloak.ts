import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@lapse/shared/database/free-port';
import { inParallel } from '../infra';
import { ServerProcess } from './process-tree';
import { callJson, type PeerTarget, type ProbeAnswer, phcParts, rawRequest, waitUntilReady } from './target';

/** The realm and the public client the bench signs in through (direct access grants). */
const REALM = 'lapse-bench';
const CLIENT_ID = 'bench-cli';
/** Users per partial import request. */
const IMPORT_BATCH = 500;
/** Admin tokens of the master realm live 60 s: a new one is taken after this long. */
const ADMIN_TOKEN_REUSE_MS = 40_000;

export interface KeycloakOptions {
  /** Concurrent `PUT /users/{id}` while expiring every user's password. */
  readonly expireConcurrency: number;
  /** Concurrent partial-import requests. */
  readonly importConcurrency: number;
}

/** The repository's root, from `dist/libs/bench/src/peer` (built) or `libs/bench/src/peer` (source). */
function repositoryRoot(): string {
  for (const up of ['../../../../..', '../../../..']) {
    const root = resolve(__dirname, up);
    if (existsSync(join(root, 'scripts/keycloak/keycloak.sh'))) return root;
  }
  throw new Error('scripts/keycloak/keycloak.sh not found above the bench');
}

/**
 * `scripts/keycloak/keycloak.sh fetch`: the cached, built distribution (downloaded and built on first use)
 * and the JDK it runs on. Its progress goes to this process's stderr.
 */
export async function fetchKeycloak(): Promise<{ home: string; javaHome: string; version: string }> {
  const script = join(repositoryRoot(), 'scripts/keycloak/keycloak.sh');
  const child = spawn('bash', [script, 'fetch'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code === 3)
    throw new Error(
      'Keycloak cannot run here (see the message above): no JDK of Java 17 or later, or no Maven',
    );
  if (code !== 0) throw new Error(`fetching Keycloak failed (exit ${code}; see the message above)`);
  const home = /^KEYCLOAK_HOME=(.+)$/m.exec(out)?.[1];
  const javaHome = /^JAVA_HOME=(.+)$/m.exec(out)?.[1];
  if (!home || !javaHome) throw new Error(`keycloak.sh fetch answered without the paths: ${out}`);
  const version = /keycloak-(\d+\.\d+\.\d+)$/.exec(home)?.[1] ?? 'unknown';
  return { home, javaHome, version };
}

/**
 * Keycloak (Quarkus distribution) in production mode, `kc.sh start --optimized`, built once by
 * keycloak.sh with the embedded H2 file database (`dev-file`) and a local cache. Each run gets a fresh
 * database directory, free loopback ports for HTTP and the management interface (`/health/ready`), and a
 * bootstrap admin from the environment. Its JVM runs with kc.sh's own defaults, as a user who starts it
 * this way gets (outside a container: G1, a heap of 64 MB growing to at most 512 MB).
 */
export class KeycloakTarget implements PeerTarget {
  readonly name = 'keycloak';
  private server: ServerProcess | null = null;
  private dataDir = '';
  private baseUrl = '';
  private adminPassword = randomBytes(12).toString('hex');
  private adminToken: { value: string; at: number } | null = null;
  private users: { id: string; login: string }[] = [];

  constructor(
    private readonly dist: { home: string; javaHome: string; version: string },
    private readonly options: KeycloakOptions,
  ) {}

  get about(): Record<string, unknown> {
    return {
      version: this.dist.version,
      java: this.dist.javaHome,
      mode: 'production (kc.sh start --optimized), embedded H2 file database (dev-file), local cache',
      signIn: `direct access grant (grant_type=password) on the public client ${CLIENT_ID}`,
    };
  }

  get pid(): number {
    return this.server?.pid ?? 0;
  }

  get ended(): string | null {
    return this.server?.ended ?? null;
  }

  get signInUrl(): string {
    return `${this.baseUrl}/realms/${REALM}/protocol/openid-connect/token`;
  }

  async start(): Promise<{ readyMs: number }> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'lapse-peer-keycloak-'));
    const httpPort = await freePort();
    const managementPort = await freePort();
    this.baseUrl = `http://127.0.0.1:${httpPort}`;
    const started = performance.now();
    this.server = ServerProcess.start(
      'keycloak',
      join(this.dist.home, 'bin/kc.sh'),
      [
        'start',
        '--optimized',
        '--http-enabled=true',
        '--hostname-strict=false',
        '--http-host=127.0.0.1',
        '--http-management-host=127.0.0.1',
        `--http-port=${httpPort}`,
        `--http-management-port=${managementPort}`,
        `--db-url=jdbc:h2:file:${this.dataDir}/keycloakdb;NON_KEYWORDS=VALUE`,
      ],
      {
        ...process.env,
        JAVA_HOME: this.dist.javaHome,
        KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
        KC_BOOTSTRAP_ADMIN_PASSWORD: this.adminPassword,
      },
      this.dataDir,
    );
    const health = `http://127.0.0.1:${managementPort}/health/ready`;
    await waitUntilReady(async () => (await fetch(health)).status === 200, this.server, 300_000);
    const readyMs = performance.now() - started;
    await this.createRealm();
    return { readyMs };
  }

  async hashingInEffect(): Promise<Record<string, unknown>> {
    const realm = await this.admin('GET', '');
    // A user given a plain password: the credential Keycloak stores says how it hashed it.
    const probe = await this.admin('POST', '/users', {
      ...profile('hashing-probe@bench.example'),
      credentials: [{ type: 'password', value: randomBytes(12).toString('hex'), temporary: false }],
    });
    if (probe.status !== 201) throw new Error(`creating the probe user failed: ${probe.status}`);
    const id = String(probe.location).split('/').pop();
    const credentials = (await this.admin('GET', `/users/${id}/credentials`)).body as unknown as {
      credentialData: string;
    }[];
    const data = JSON.parse(credentials[0].credentialData) as {
      algorithm: string;
      hashIterations: number;
      additionalParameters: Record<string, string[]>;
    };
    await this.admin('DELETE', `/users/${id}`);
    return {
      realmPasswordPolicy: (realm.body.passwordPolicy as string | undefined) ?? '(none: the default)',
      algorithm: data.algorithm,
      type: data.additionalParameters.type?.[0],
      memoryKib: Number(data.additionalParameters.memory?.[0]),
      iterations: data.hashIterations,
      parallelism: Number(data.additionalParameters.parallelism?.[0]),
      hashLength: Number(data.additionalParameters.hashLength?.[0]),
    };
  }

  /**
   * Partial import (`POST /admin/realms/{realm}/partialImport`), `IMPORT_BATCH` users a request, each with
   * the given argon2id hash as Keycloak stores one (salt and hash in base64, parameters beside them).
   */
  async importUsers(logins: readonly string[], phc: string): Promise<void> {
    const { salt, hash, memoryKib, iterations } = phcParts(phc);
    const credential = {
      type: 'password',
      secretData: JSON.stringify({ value: hash, salt, additionalParameters: {} }),
      credentialData: JSON.stringify({
        hashIterations: iterations,
        algorithm: 'argon2',
        additionalParameters: {
          hashLength: ['32'],
          memory: [String(memoryKib)],
          type: ['id'],
          version: ['1.3'],
          parallelism: ['1'],
        },
      }),
    };
    const batches: string[][] = [];
    for (let start = 0; start < logins.length; start += IMPORT_BATCH)
      batches.push(logins.slice(start, start + IMPORT_BATCH));
    const ids = new Map<string, string>();
    await inParallel(batches, this.options.importConcurrency, async (batch) => {
      const answer = await this.admin('POST', '/partialImport', {
        ifResourceExists: 'FAIL',
        users: batch.map((login) => ({ ...profile(login), credentials: [credential] })),
      });
      if (answer.status !== 200)
        throw new Error(`Keycloak partial import failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      const results = answer.body.results as { resourceName: string; id: string }[];
      for (const result of results) ids.set(result.resourceName, result.id);
    });
    this.users = logins.map((login) => {
      const id = ids.get(login);
      if (!id) throw new Error(`partial import did not answer an id for ${login}`);
      return { id, login };
    });
  }

  signInRequest(login: string, password: string): Buffer {
    return rawRequest(
      this.signInUrl,
      'application/x-www-form-urlencoded',
      new URLSearchParams({
        grant_type: 'password',
        client_id: CLIENT_ID,
        username: login,
        password,
      }).toString(),
    );
  }

  async probe(login: string, password: string): Promise<ProbeAnswer> {
    const answer = await callJson(this.signInUrl, {
      method: 'POST',
      form: { grant_type: 'password', client_id: CLIENT_ID, username: login, password },
    });
    if (answer.status === 200 && typeof answer.body.access_token === 'string') return 'signed-in';
    if (answer.status === 400 && answer.body.error_description === 'Account is not fully set up')
      return 'refused-expired';
    return `other: ${answer.status} ${String(answer.body.error ?? '')} ${String(answer.body.error_description ?? '')}`;
  }

  /**
   * The update-password required action on every user: `PUT /admin/realms/{realm}/users/{id}` with the
   * user's representation and `requiredActions: ["UPDATE_PASSWORD"]`, `expireConcurrency` at a time (the
   * representation is the one imported, so no GET precedes each PUT).
   */
  async expireAll(): Promise<{ requestsDoneMs: number; completedMs: number }> {
    const started = performance.now();
    await inParallel(this.users, this.options.expireConcurrency, async ({ id, login }) => {
      const answer = await this.admin('PUT', `/users/${id}`, {
        ...profile(login),
        requiredActions: ['UPDATE_PASSWORD'],
      });
      if (answer.status !== 204) throw new Error(`expiring ${login} failed: ${answer.status}`);
    });
    const doneMs = performance.now() - started;
    return { requestsDoneMs: doneMs, completedMs: doneMs };
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  private async createRealm(): Promise<void> {
    const realm = await callJson(`${this.baseUrl}/admin/realms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.token()}` },
      json: { realm: REALM, enabled: true },
    });
    if (realm.status !== 201)
      throw new Error(`creating the realm failed: ${realm.status} ${JSON.stringify(realm.body)}`);
    const client = await this.admin('POST', '/clients', {
      clientId: CLIENT_ID,
      publicClient: true,
      directAccessGrantsEnabled: true,
      standardFlowEnabled: false,
    });
    if (client.status !== 201) throw new Error(`creating the client failed: ${client.status}`);
  }

  /** A master-realm admin token (admin-cli), taken again before it expires. */
  private async token(): Promise<string> {
    if (this.adminToken && performance.now() - this.adminToken.at < ADMIN_TOKEN_REUSE_MS)
      return this.adminToken.value;
    const at = performance.now();
    const answer = await callJson(`${this.baseUrl}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      form: {
        grant_type: 'password',
        client_id: 'admin-cli',
        username: 'admin',
        password: this.adminPassword,
      },
    });
    if (answer.status !== 200) throw new Error(`admin sign-in to Keycloak failed: ${answer.status}`);
    this.adminToken = { value: answer.body.access_token as string, at };
    return this.adminToken.value;
  }

  /** An admin REST call on the bench realm; `location` is the Location header (created resources). */
  private async admin(
    method: string,
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; location?: string }> {
    const response = await fetch(`${this.baseUrl}/admin/realms/${REALM}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.token()}`,
        accept: 'application/json',
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { text: text.slice(0, 300) };
    }
    return { status: response.status, body, location: response.headers.get('location') ?? undefined };
  }
}

/**
 * The user as both servers get it: login and email alike, a first and last name (Keycloak 26's default
 * user profile requires them; without them a sign-in asks for the profile first), email verified.
 */
function profile(login: string) {
  return {
    username: login,
    email: login,
    firstName: 'Bench',
    lastName: 'User',
    enabled: true,
    emailVerified: true,
  };
}
