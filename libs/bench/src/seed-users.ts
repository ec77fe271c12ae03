import { randomUUID } from 'node:crypto';
import type { StreamAppend } from '@lapse/shared';
import { withTransaction } from '@lapse/shared/database/pg';
import { PostgresEventStore } from '@lapse/shared/event-store/event-store';
import type { Pool } from 'pg';
import type { CreateUser } from '../../../apps/directory/src/user/domain/user.commands';
import { userDecider, userStreamId } from '../../../apps/directory/src/user/domain/user.decider';
import type { ExistingUser } from '../../../apps/directory/src/user/domain/user.state';
import { insertUsers } from '../../../apps/directory/src/user/read-models/directory-users.projection';

const SEED_BATCH = 1000;

/** The `i`-th seeded user: its login (told apart from other runs by `run`), provider and password's age. */
export type SeededUser = (
  i: number,
  run: string,
) => { login: string; provider: 'OKTA' | 'ACTIVE_DIRECTORY'; passwordChangedAt: string };

/**
 * `count` ACTIVE users as the import path writes them: the decider's events in the event log and its folded
 * state in the read model, a thousand users a transaction; `at` is when they were created.
 */
export async function seedImportedUsers(
  pool: Pool,
  count: number,
  at: string,
  user: SeededUser,
): Promise<void> {
  const store = new PostgresEventStore(pool);
  const run = randomUUID().slice(0, 6);
  for (let start = 0; start < count; start += SEED_BATCH) {
    const appends: StreamAppend[] = [];
    const states: { state: ExistingUser; version: number }[] = [];
    for (let i = start; i < Math.min(count, start + SEED_BATCH); i++) {
      const { login, provider, passwordChangedAt } = user(i, run);
      const command: CreateUser = {
        type: 'CreateUser',
        userId: randomUUID(),
        profile: { login, email: login, firstName: null, lastName: null, mobilePhone: null },
        provider: { type: provider, name: provider },
        password: {
          hash: '$argon2id$v=19$m=1024,t=1,p=1$YmVuY2hzYWx0$benchbenchbench',
          changedAt: passwordChangedAt,
          by: 'IMPORT',
        },
        activate: true,
        expirePassword: false,
        at,
      };
      const initial = userDecider.initialState();
      const events = userDecider.decide(command, initial);
      appends.push({
        streamId: userStreamId(command.userId),
        expectedVersion: 0,
        events: events.map((event) => ({
          event,
          metadata: {
            eventId: randomUUID(),
            correlationId: run,
            causationId: null,
            actor: 'bench',
            occurredAt: at,
          },
        })),
      });
      states.push({
        state: events.reduce(userDecider.evolve, initial) as ExistingUser,
        version: events.length,
      });
    }
    await withTransaction(pool, async (tx) => {
      await insertUsers(tx, states);
      await store.appendToStreams(appends, tx);
    });
  }
}
