import { randomUUID } from 'node:crypto';
import {
  createPool,
  DomainError,
  EventStoreProvider,
  fold,
  uuidSource,
  withTransaction,
} from '@lapse/shared';
import { createTestDatabase } from '@lapse/shared/testing/test-database';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { insertJob } from '../../bulk-expiry/bulk-jobs';
import { previousUuid } from '../../bulk-expiry/bulk-expiry.worker';
import { DIRECTORY_MIGRATIONS } from '../../database/directory.migrations';
import type { ExpirePasswordInBulk, UserCommand } from '../domain/user.commands';
import { userDecider, userStreamId } from '../domain/user.decider';
import type { UserEvent } from '../domain/user.events';
import {
  directoryUsersProjection,
  temporaryPasswordDeliveriesProjection,
} from '../read-models/user.inline-projections';
import { expireBatchFromReadModel } from './expire-in-bulk.batch';

/**
 * The batch form of `expireInBulk` (one SQL statement over the read model) against the decider itself:
 * random user histories are written through the command handler (the real event store and read model),
 * the statement runs once over them, and every user must end with the events the decider decides for the
 * same command on the same history, and the read model with the state the decider folds.
 *
 * Runs are reproducible: the seed is fixed, and a failure prints it with the shrunk counterexample
 * (fast-check's report); pass both to `fc.assert` as `{ seed, path }` to replay it.
 */
const SEED = 14_122_026;
const RUNS = 100;

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** Minute `k` of a run's timeline: users are created at 1, their steps follow one a minute. */
const minute = (k: number) => new Date(T0 + k * 60_000).toISOString();

const PROVIDERS = ['OKTA', 'IMPORT', 'ACTIVE_DIRECTORY', 'LDAP', 'FEDERATION', 'SOCIAL'] as const;
const JOB_PROVIDERS = ['OKTA', 'IMPORT', 'ACTIVE_DIRECTORY', 'LDAP'] as const;
const STEPS = [
  'ActivateUser',
  'SuspendUser',
  'UnsuspendUser',
  'LockUser',
  'UnlockUser',
  'DeactivateUser',
  'ExpirePassword',
  'ExpirePasswordWithTemporaryPassword',
  'ResetPassword',
  'CompleteRecovery',
  'SetPassword',
  'ChangePassword',
] as const;
type Step = (typeof STEPS)[number];

const userHistory = fc.record({
  provider: fc.constantFrom(...PROVIDERS),
  withPassword: fc.boolean(),
  activate: fc.boolean(),
  expirePassword: fc.boolean(),
  steps: fc.array(fc.constantFrom(...STEPS), { maxLength: 5 }),
});
const run = fc.record({
  users: fc.array(userHistory, { minLength: 1, maxLength: 4 }),
  /** From before every creation to after every step: created or changed after the cutoff, or not. */
  cutoffMinute: fc.integer({ min: 0, max: 8 }),
  providers: fc.subarray([...JOB_PROVIDERS], { minLength: 1 }),
});
type UserHistory = typeof userHistory extends fc.Arbitrary<infer T> ? T : never;

const delegation = { delegatedPasswordReset: true } as const;
const TOKEN = 'recovery-token-hash';

function stepCommand(step: Step, at: string): UserCommand {
  switch (step) {
    case 'ActivateUser':
    case 'SuspendUser':
    case 'UnsuspendUser':
    case 'LockUser':
    case 'UnlockUser':
    case 'DeactivateUser':
      return { type: step, at };
    case 'ExpirePassword':
      return { type: step, reason: null, at, ...delegation };
    case 'ExpirePasswordWithTemporaryPassword':
      return {
        type: step,
        hash: 'temporary-hash',
        expiresAt: new Date(Date.parse(at) + 86_400_000).toISOString(),
        deliveryId: randomUUID(),
        delivery: null,
        revokeSessions: false,
        reason: null,
        at,
        ...delegation,
      };
    case 'ResetPassword':
      return {
        type: step,
        tokenHash: TOKEN,
        expiresAt: new Date(Date.parse(at) + 3_600_000).toISOString(),
        email: null,
        revokeSessions: false,
        at,
        ...delegation,
      };
    case 'CompleteRecovery':
      return { type: step, tokenHash: TOKEN, newHash: 'recovered-hash', at, ...delegation };
    case 'SetPassword':
      return { type: step, hash: 'set-hash', by: 'ADMIN', changedAt: at, at, ...delegation };
    case 'ChangePassword':
      return {
        type: step,
        verifiedHash: 'initial-hash',
        newHash: 'changed-hash',
        minAgeMinutes: 0,
        at,
        ...delegation,
      };
  }
}

describe('the batch form of expireInBulk', () => {
  let pool: Pool;
  let events: EventStoreProvider;
  let runNumber = 0x10000000;

  beforeAll(async () => {
    pool = createPool(await createTestDatabase(DIRECTORY_MIGRATIONS, 'expire_in_bulk'), 4);
    events = new EventStoreProvider(pool, { now: () => new Date() }, uuidSource);
    events.commands.registerProjections(userDecider, [
      directoryUsersProjection,
      temporaryPasswordDeliveriesProjection,
    ]);
  });
  afterAll(() => pool.end());

  /** Writes the history through the command handler; steps the decider refuses are left out of it. */
  async function writeHistory(userId: string, history: UserHistory): Promise<void> {
    const context = { actor: 'admin:property', correlationId: randomUUID() };
    const commands: UserCommand[] = [
      {
        type: 'CreateUser',
        userId,
        profile: {
          login: `${userId}@example.com`,
          email: `${userId}@example.com`,
          firstName: null,
          lastName: null,
          mobilePhone: null,
        },
        provider: { type: history.provider, name: history.provider },
        password: history.withPassword ? { hash: 'initial-hash', changedAt: minute(1), by: 'ADMIN' } : null,
        activate: history.activate,
        expirePassword: history.expirePassword,
        at: minute(1),
      },
      ...history.steps.map((step, index) => stepCommand(step, minute(2 + index))),
    ];
    for (const command of commands) {
      try {
        await events.commands.handle(userDecider, userStreamId(userId), command, context);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
  }

  it('decides the same events and leaves the same state as the decider, for any user history', async () => {
    await fc.assert(
      fc.asyncProperty(run, async ({ users, cutoffMinute, providers }) => {
        // The run's users share an id prefix, so one batch over that range holds them and nobody else.
        const prefix = (runNumber++).toString(16);
        const nextPrefix = runNumber.toString(16);
        const ids = users.map((_, i) => `${prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
        for (const [i, history] of users.entries()) await writeHistory(ids[i] as string, history);

        const jobId = randomUUID();
        const cutoff = minute(cutoffMinute);
        await insertJob(pool, {
          id: jobId,
          status: 'RUNNING',
          cutoff,
          providers,
          reason: 'property',
          total: users.length,
          expired: 0,
          skipped: 0,
          checkpoint: null,
          actor: 'admin:property',
          correlationId: jobId,
          createdAt: cutoff,
          completedAt: null,
        });
        const batch = await withTransaction(pool, (tx) =>
          expireBatchFromReadModel(tx, {
            jobId,
            cutoff,
            providers,
            reason: 'property',
            actor: 'admin:property',
            correlationId: jobId,
            now: cutoff,
            after: previousUuid(`${prefix}-0000-0000-0000-000000000000`),
            before: `${nextPrefix}-0000-0000-0000-000000000000`,
            limit: 50,
          }),
        );
        expect(batch.conflicted).toEqual([]);

        const command: ExpirePasswordInBulk = {
          type: 'ExpirePasswordInBulk',
          jobId,
          cutoff,
          reason: 'property',
          at: cutoff,
        };
        let expired = 0;
        for (const [i, history] of users.entries()) {
          const id = ids[i] as string;
          const { rows: stream } = await pool.query(
            `SELECT type, schema_version AS "schemaVersion", data, metadata FROM lapse_events
              WHERE stream_id = $1 ORDER BY version`,
            [userStreamId(id)],
          );
          if (stream.length === 0) continue; // the decider refused to create this user: nobody to expire
          const byJob = stream.filter((event) => event.metadata.causationId === jobId);
          const before = stream.slice(0, stream.length - byJob.length) as UserEvent[];
          // The job's providers choose whom it targets; for those, the decider has the last word.
          const targeted = (providers as readonly string[]).includes(history.provider);
          const decided = targeted ? userDecider.decide(command, fold(userDecider, before)) : [];
          expect({
            id,
            events: byJob.map(({ type, schemaVersion, data }) => ({ type, schemaVersion, data })),
          }).toEqual({ id, events: JSON.parse(JSON.stringify(decided)) });
          if (decided.length > 0) expired++;

          const folded = fold(userDecider, [...before, ...decided] as UserEvent[]);
          const { rows } = await pool.query(
            'SELECT version, status, state FROM directory_users_current WHERE id = $1',
            [id],
          );
          expect({ id, ...rows[0] }).toEqual({
            id,
            version: stream.length,
            status: folded.status,
            state: JSON.parse(JSON.stringify(folded)),
          });
        }
        expect(batch.expired).toBe(expired);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 60_000);
});
