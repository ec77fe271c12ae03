import { VersionConflictError } from '../errors';
import type { PostgresEventStore } from '../event-store/event-store';
import { CommandHandler } from './command-handler';
import type { Decider } from './decider';
import type { DomainEvent, RecordedEvent } from './event';

type Incremented = DomainEvent<'Incremented', { by: number }>;
const counter: Decider<{ by: number }, Incremented, number> = {
  initialState: () => 0,
  evolve: (state, event) => state + event.data.by,
  decide: (command, state) => {
    if (state + command.by > 10) throw new Error('over the limit');
    return [{ type: 'Incremented', schemaVersion: 1, data: { by: command.by } }];
  },
};

/** A store double: pure logic of the handler only (the real store has its own PostgreSQL specs). */
function storeWith(stream: RecordedEvent[], conflictsFirst: number): PostgresEventStore {
  let conflicts = conflictsFirst;
  return {
    readStream: async () => [...stream],
    append: async (streamId: string, expected: number, events: { event: DomainEvent }[]) => {
      if (conflicts-- > 0) {
        stream.push({
          version: stream.length + 1,
          type: 'Incremented',
          schemaVersion: 1,
          data: { by: 5 },
        } as RecordedEvent);
        throw new VersionConflictError(streamId, expected);
      }
      return events.map((e, i) => ({ ...e.event, version: expected + i + 1 }) as unknown as RecordedEvent);
    },
  } as unknown as PostgresEventStore;
}

const context = { actor: 'test', correlationId: 'c1' };
const noTransaction = <T>(work: (tx: never) => Promise<T>) => work(undefined as never);
const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
const ids = { next: () => 'id' };

describe('the generic command handler', () => {
  it('decides again on the fresh state after losing a race', async () => {
    const stream: RecordedEvent[] = [];
    const handler = new CommandHandler(storeWith(stream, 1), noTransaction, clock, ids);
    const result = await handler.handle(counter, 'counter-1', { by: 3 }, context);
    // The competing writer added 5 first; our 3 was decided on top of it.
    expect(result.state).toBe(8);
    expect(result.version).toBe(2);
  });

  it('refuses the command when the state after a lost race no longer allows it', async () => {
    const stream: RecordedEvent[] = [];
    const handler = new CommandHandler(storeWith(stream, 1), noTransaction, clock, ids);
    // 6 fits on 0, but the competing writer's 5 came first, and 11 is over the limit.
    await expect(handler.handle(counter, 'counter-1', { by: 6 }, context)).rejects.toThrow('over the limit');
    expect(stream).toHaveLength(1);
  });

  it('gives up after a bounded number of conflicts', async () => {
    const handler = new CommandHandler(storeWith([], 100), noTransaction, clock, ids, 3);
    await expect(handler.handle(counter, 'counter-1', { by: 0 }, context)).rejects.toBeInstanceOf(
      VersionConflictError,
    );
  });
});
