import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import {
  type CredentialProviderType,
  type CredentialStateChangedV1,
  DIRECTORY_EVENT_TYPES,
  hashArgon2id,
  headersOf,
  PostgresEventStore,
  type Publication,
  type ServiceManifest,
  TOPICS,
  type UserStatus,
  verifyArgon2id,
} from '@lapse/shared';
import { DEFAULT_PASSWORD_POLICY_V1 } from '@lapse/shared/contracts/password-policy.v1';

/**
 * A test double of directory for identity's own tests: a real HTTP server speaking directory's internal
 * API, and a publisher that appends directory-shaped messages to the test database's event log (stream
 * type `fakedirectory`), which the embedded transport delivers to identity's real consumer.
 */
export const FAKE_DIRECTORY_STREAM = 'fakedirectory';

interface PublishedData {
  readonly topic: string;
  readonly type: string;
  readonly payload: unknown;
}

export const fakeDirectoryManifest: ServiceManifest = {
  name: 'directory',
  migrations: [],
  publications: [
    ((event) => {
      if (!event.streamId.startsWith(`${FAKE_DIRECTORY_STREAM}-`)) return [];
      const data = event.data as PublishedData;
      return [
        {
          topic: data.topic,
          key: event.streamId,
          headers: headersOf(event, data.type, 1),
          payload: data.payload,
        },
      ];
    }) satisfies Publication,
  ],
  publishedTopics: [],
};

export const TEST_HASH = { memoryKib: 4096, iterations: 1, parallelism: 1 } as const;

export interface FakeUser {
  userId: string;
  login: string;
  provider: CredentialProviderType;
  status: UserStatus;
  credentialVersion: number;
  hash: string | null;
  password: string | null;
  passwordChangedAt: string | null;
  passwordExpired: boolean;
  oneTimeExpiresAt: string | null;
}

export class FakeDirectory {
  readonly users = new Map<string, FakeUser>();
  readonly lockCalls: string[] = [];
  readonly unlockCalls: string[] = [];
  /** How long each credential-states answer takes (a directory busy with a bulk fan-out). */
  credentialStatesLatencyMs = 0;
  /** Users asked for in each `POST /internal/v1/users/credential-states` call, in order. */
  readonly credentialStateCalls: number[] = [];
  readonly adminTokens = new Map<string, { tokenId: string; name: string; role: string }>();
  policy: Record<string, unknown> = {
    ...DEFAULT_PASSWORD_POLICY_V1,
    lockout: { ...DEFAULT_PASSWORD_POLICY_V1.lockout, maxAttempts: 3 },
  };
  /** Unreachable: every request gets its connection destroyed. */
  down = false;
  /** When false, password changes are answered but their snapshot is not published (a stuck projection). */
  publishChanges = true;
  private server: Server | null = null;
  private readonly store: PostgresEventStore;
  private readonly streams = new Map<string, number>();
  url = '';

  constructor(
    pool: Pool,
    private readonly serviceToken: string,
  ) {
    this.store = new PostgresEventStore(pool);
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.route(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  async addUser(options: Partial<FakeUser> & { login: string; password: string | null }): Promise<FakeUser> {
    const hash = options.password === null ? null : await hashArgon2id(options.password, TEST_HASH);
    const user: FakeUser = {
      userId: options.userId ?? `00u${randomUUID().replace(/-/g, '').slice(0, 17)}`,
      provider: 'OKTA',
      status: 'ACTIVE',
      credentialVersion: 0,
      hash,
      passwordChangedAt: new Date(Date.now() - 86_400_000).toISOString(),
      passwordExpired: false,
      oneTimeExpiresAt: null,
      ...options,
    };
    this.users.set(user.userId, user);
    await this.publishSnapshot(user);
    return user;
  }

  /** Changes the user, bumps the credential version and publishes the snapshot. */
  async update(userId: string, change: Partial<FakeUser>): Promise<FakeUser> {
    const user = this.users.get(userId) as FakeUser;
    Object.assign(user, change);
    if (change.password !== undefined) {
      user.hash = change.password === null ? null : await hashArgon2id(change.password, TEST_HASH);
    }
    await this.publishSnapshot(user);
    return user;
  }

  snapshot(user: FakeUser): CredentialStateChangedV1 {
    return {
      userId: user.userId,
      login: user.login,
      provider: { type: user.provider, name: user.provider },
      status: user.status,
      credentialVersion: user.credentialVersion,
      passwordHash: user.hash,
      passwordChangedAt: user.passwordChangedAt,
      passwordExpired: user.passwordExpired,
      oneTimePassword: user.oneTimeExpiresAt ? { expiresAt: user.oneTimeExpiresAt } : null,
      changedAt: new Date().toISOString(),
    };
  }

  async publishSnapshot(user: FakeUser): Promise<void> {
    user.credentialVersion++;
    await this.publish(
      TOPICS.directoryCredentials,
      DIRECTORY_EVENT_TYPES.CredentialStateChanged,
      this.snapshot(user),
      user.userId,
    );
  }

  /** Appends one directory-shaped message to the log (each key is its own stream, like directory's). */
  async publish(topic: string, type: string, payload: unknown, key: string = randomUUID()): Promise<void> {
    const streamId = `${FAKE_DIRECTORY_STREAM}-${key}`;
    const version = this.streams.get(streamId) ?? 0;
    this.streams.set(streamId, version + 1);
    await this.store.append(streamId, version, [
      {
        event: { type, schemaVersion: 1, data: { topic, type, payload } },
        metadata: {
          eventId: randomUUID(),
          correlationId: randomUUID(),
          causationId: null,
          actor: 'system',
          occurredAt: new Date().toISOString(),
        },
      },
    ]);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.down) {
      request.socket.destroy();
      return;
    }
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${this.serviceToken}`)
      return send(401, { errorCode: 'E0000011' });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const path = request.url ?? '';
    let match = /^\/internal\/v1\/users\/([^/]+)\/credentials\/change_password$/.exec(path);
    if (match && request.method === 'POST')
      return send(...(await this.changePassword(decodeURIComponent(match[1]), body)));
    match = /^\/internal\/v1\/users\/([^/]+)\/lifecycle\/lock$/.exec(path);
    if (match && request.method === 'POST') {
      const userId = decodeURIComponent(match[1]);
      this.lockCalls.push(userId);
      if (this.users.has(userId)) await this.update(userId, { status: 'LOCKED_OUT' });
      return send(200, {});
    }
    match = /^\/internal\/v1\/users\/([^/]+)\/lifecycle\/unlock$/.exec(path);
    if (match && request.method === 'POST') {
      const userId = decodeURIComponent(match[1]);
      this.unlockCalls.push(userId);
      if (this.users.get(userId)?.status !== 'LOCKED_OUT') return send(403, { errorCode: 'E0000038' });
      await this.update(userId, { status: 'ACTIVE' });
      return send(200, { status: 'ACTIVE' });
    }
    match = /^\/internal\/v1\/users\/([^/]+)\/credential-state$/.exec(path);
    if (match && request.method === 'GET') {
      const user = this.users.get(decodeURIComponent(match[1]));
      return user ? send(200, this.snapshot(user)) : send(404, { errorCode: 'E0000007' });
    }
    if (path === '/internal/v1/users/credential-states' && request.method === 'POST') {
      const ids = body.userIds as string[];
      this.credentialStateCalls.push(ids.length);
      await new Promise((resolve) => setTimeout(resolve, this.credentialStatesLatencyMs));
      const known = ids.flatMap((id) => {
        const user = this.users.get(id);
        return user ? [this.snapshot(user)] : [];
      });
      return send(200, { states: known });
    }
    if (path === '/internal/v1/policies/password') return send(200, this.policy);
    if (path === '/internal/v1/admin-tokens/introspect') {
      const principal = this.adminTokens.get(body.token);
      return send(200, principal ? { active: true, ...principal } : { active: false });
    }
    send(404, { errorCode: 'E0000007' });
  }

  private async changePassword(
    userId: string,
    body: { oldPassword: string; newPassword: string },
  ): Promise<[number, unknown]> {
    const user = this.users.get(userId);
    const refuse = (cause: string): [number, unknown] => [
      403,
      {
        errorCode: 'E0000014',
        errorSummary: 'Update of credentials failed',
        errorCauses: [{ errorSummary: cause }],
      },
    ];
    if (!user?.hash || !(await verifyArgon2id(user.hash, body.oldPassword)))
      return refuse('Old Password is not correct');
    if (body.newPassword.length < 8 || body.newPassword === body.oldPassword) {
      return refuse('Password requirements were not met. Password requirements: at least 8 characters.');
    }
    user.password = body.newPassword;
    user.hash = await hashArgon2id(body.newPassword, TEST_HASH);
    user.passwordChangedAt = new Date().toISOString();
    user.passwordExpired = false;
    user.oneTimeExpiresAt = null;
    user.status = 'ACTIVE';
    if (this.publishChanges) await this.publishSnapshot(user);
    else user.credentialVersion++;
    return [200, { credentialVersion: user.credentialVersion }];
  }
}
