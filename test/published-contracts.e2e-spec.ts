import { combinePublications, type RecordedEvent } from '@lapse/shared';
import { CHANNELS, CONTRACT_SCHEMAS, HEADERS_SCHEMA } from '@lapse/shared/contracts/schemas';
import { queryRows } from '@lapse/shared/testing/test-database';
import { startTestApp, type TestApp } from '@lapse/shared/testing/test-app';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { directoryManifest } from '../apps/directory/src/directory.manifest';
import { identityManifest } from '../apps/identity/src/identity.manifest';
import { notifierManifest } from '../apps/notifier/src/notifier.manifest';

/**
 * Every message the services produce in a realistic run of the all-in-one app — read back from the event
 * log and put through the services' publications — validates against the AsyncAPI document's schemas.
 */
describe('the published contracts', () => {
  let lapse: TestApp;

  beforeAll(async () => {
    lapse = await startTestApp({ env: { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1' } });
  });
  afterAll(() => lapse.close());

  async function call(
    method: string,
    path: string,
    body?: unknown,
    authorization = `SSWS ${lapse.adminToken}`,
  ) {
    const response = await fetch(`${lapse.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  const query = <T>(sql: string, params: unknown[] = []) => queryRows<T>(lapse.databaseUrl, sql, params);

  it('validates every produced message against the schema of its type, on the topic the document names', async () => {
    const create = async (login: string, query = '?activate=true') =>
      (
        await call('POST', `/api/v1/users${query}`, {
          profile: { login, email: login, firstName: 'Con', lastName: 'Tract', mobilePhone: '+15550100' },
          credentials: { password: { value: 'Initial1pass' } },
        })
      ).body.id as string;
    const a = await create('contract.a@example.com');
    const b = await create('contract.b@example.com', '?activate=true&nextLogin=changePassword');
    const c = await create('contract.c@example.com');
    await call('POST', `/api/v1/users/${a}/lifecycle/expire_password`);
    await call('POST', `/api/v1/users/${b}/lifecycle/suspend`);
    await call('POST', `/api/v1/users/${b}/lifecycle/unsuspend`);
    await call('POST', `/api/v1/users/${c}/lifecycle/expire_password_with_temp_password?revokeSessions=true`);
    const d = await create('contract.d@example.com');
    expect((await call('POST', `/api/v1/users/${d}/lifecycle/reset_password`)).status).toBe(200);
    await call(
      'POST',
      `/internal/v1/users/${a}/credentials/change_password`,
      { oldPassword: 'Initial1pass', newPassword: 'Changed9pass' },
      `Bearer ${lapse.serviceToken}`,
    );
    const updated = await call('POST', `/api/v1/users/${d}`, {
      profile: { login: 'contract.d2@example.com', mobilePhone: null },
      credentials: { password: { value: 'Admin-Set-Pass-7' } },
    });
    expect(updated.status).toBe(200);
    // A group password policy created, deactivated and deleted (GroupPasswordPolicyChanged / Deleted).
    const group = await call('POST', '/api/v1/groups', { profile: { name: 'contract-group' } });
    const policy = await call('POST', '/api/v1/policies', {
      type: 'PASSWORD',
      name: 'Contract policy',
      conditions: { people: { groups: { include: [group.body.id] } } },
      settings: { password: { age: { maxAgeDays: 30 } } },
    });
    expect(policy.status).toBe(200);
    expect((await call('POST', `/api/v1/policies/${policy.body.id}/lifecycle/deactivate`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/policies/${policy.body.id}`)).status).toBe(204);
    // Identity's sign-ins (known and unknown logins) and an admin's clearing of sessions.
    await call('POST', '/api/v1/authn', { username: 'contract.b@example.com', password: 'Initial1pass' });
    await call('POST', '/api/v1/authn', { username: 'nobody@example.com', password: 'Guess-1234' });
    expect((await call('DELETE', `/api/v1/users/${a}/sessions`)).status).toBe(204);
    const token = await call('POST', '/api/v1/api-tokens', { name: 'contract', role: 'READ_ONLY_ADMIN' });
    expect((await call('DELETE', `/api/v1/api-tokens/${token.body.id}`)).status).toBe(204);
    const job = await call('POST', '/api/v1/users/lifecycle/expire_passwords', { reason: 'contract test' });
    expect(job.status).toBe(202);
    // A job scoped to a set of users: its start and the set's chunk are appended with the request.
    expect((await call('POST', '/api/v1/users/lifecycle/expire_passwords', { userIds: [a, b] })).status).toBe(
      202,
    );
    for (let i = 0; i < 300; i++) {
      const [done] = await query<{ status: string }>('SELECT status FROM directory_bulk_jobs WHERE id = $1', [
        job.body.id,
      ]);
      const [delivery] = await query<{ status: string }>(
        'SELECT status FROM directory_temp_password_deliveries WHERE user_id = $1',
        [c],
      );
      const [resetEmail] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM lapse_events WHERE stream_id = 'reset-link-email-' || $1`,
        [
          (
            await query<{ id: string }>(
              `SELECT data->'email'->>'deliveryId' AS id FROM lapse_events WHERE stream_id = $1 AND type = 'RecoveryStarted'`,
              [`user-${d}`],
            )
          )[0]?.id ?? '',
        ],
      );
      const [identityEvents] = await query<{ n: number }>(
        `SELECT count(DISTINCT type)::int AS n FROM lapse_events WHERE type IN ('SignInAttempted', 'UserSessionsCleared')`,
      );
      if (
        done.status === 'COMPLETED' &&
        delivery.status !== 'REQUESTED' &&
        resetEmail.n > 0 &&
        identityEvents.n === 2
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const events = await query<Record<string, unknown>>(
      `SELECT stream_id, version, global_position::text, transaction_id::text AS txid, type, schema_version, data, metadata, recorded_at
         FROM lapse_events ORDER BY global_position`,
    );
    const publish = combinePublications([
      ...directoryManifest.publications,
      ...notifierManifest.publications,
      ...identityManifest.publications,
    ]);
    const messages = events.flatMap((row) =>
      publish({
        streamId: row.stream_id as string,
        version: row.version as number,
        globalPosition: row.global_position as string,
        transactionId: row.txid as string,
        type: row.type as string,
        schemaVersion: row.schema_version as number,
        data: row.data,
        metadata: row.metadata as RecordedEvent['metadata'],
        recordedAt: (row.recorded_at as Date).toISOString(),
      }),
    );

    const ajv = addFormats(new Ajv({ allErrors: true, allowUnionTypes: true }));
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const message of messages) {
      const type = message.headers.eventType;
      seen.add(type);
      const channel = Object.values(CHANNELS).find((candidate) => candidate.messages.includes(type));
      if (!channel) {
        problems.push(`${type}: not in the AsyncAPI document`);
        continue;
      }
      if (channel.topic !== message.topic)
        problems.push(`${type}: published on ${message.topic}, documented on ${channel.topic}`);
      for (const [what, schema, value] of [
        ['headers', HEADERS_SCHEMA, message.headers],
        ['payload', CONTRACT_SCHEMAS[type], message.payload],
      ] as const) {
        const validate = ajv.compile(schema);
        if (!validate(value)) problems.push(`${type} ${what}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'UserCreated',
        'UserStatusChanged',
        'UserProfileUpdated',
        'PasswordExpired',
        'PasswordChanged',
        'SessionsRevoked',
        'BulkPasswordExpiryStarted',
        'BulkPasswordExpiryCompleted',
        'BulkPasswordExpiryUsersScoped',
        'CredentialStateChanged',
        'TemporaryPasswordDeliveryRequested',
        'PasswordResetEmailRequested',
        'AdminTokenRevoked',
        'SignInAttempted',
        'UserSessionsCleared',
        'GroupPasswordPolicyChanged',
        'GroupPasswordPolicyDeleted',
      ]),
    );
    expect(seen.has('TemporaryPasswordDelivered') || seen.has('TemporaryPasswordDeliveryFailed')).toBe(true);
    expect(seen.has('PasswordResetEmailSent') || seen.has('PasswordResetEmailFailed')).toBe(true);
  }, 60_000); // waits up to about 30 s for the bulk job and the deliveries on a busy machine
});
