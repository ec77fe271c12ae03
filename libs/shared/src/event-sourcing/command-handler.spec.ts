import { VersionConflictError } from '../errors';
import type { EventToAppend, PostgresEventStore, StreamAppend } from '../event-store/event-store';
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

/** Records what reaches the store, for the many-stream and metadata cases. */
function recordingStore() {
  const appended: { streamId: string; expectedVersion: number; events: EventToAppend[] }[] = [];
  let statements = 0;
  const store = {
    readStream: async () => [],
    append: async (streamId: string, expectedVersion: number, events: EventToAppend[]) => {
      statements++;
      appended.push({ streamId, expectedVersion, events });
      return events.map(
        (e, i) => ({ ...e.event, version: expectedVersion + i + 1 }) as unknown as RecordedEvent,
      );
    },
    appendToStreams: async (appends: StreamAppend[]) => {
      statements++;
      appended.push(...appends.map((a) => ({ ...a, events: [...a.events] })));
      return appends.length;
    },
  } as unknown as PostgresEventStore;
  return { store, appended, statements: () => statements };
}

describe('the generic command handler, for many streams and projections', () => {
  it('appends many streams in one statement, each at its own expected version', async () => {
    const { store, appended, statements } = recordingStore();
    const handler = new CommandHandler(store, noTransaction, clock, ids);
    await handler.handleMany(counter, [
      { streamId: 'counter-1', command: { by: 1 }, context },
      { streamId: 'counter-2', command: { by: 2 }, context },
    ]);
    expect(statements()).toBe(1);
    expect(appended.map((a) => [a.streamId, a.expectedVersion, a.events.length])).toEqual([
      ['counter-1', 0, 1],
      ['counter-2', 0, 1],
    ]);
  });

  it('builds the metadata from the context, with the id and time the edge gave the fact', async () => {
    const { store, appended } = recordingStore();
    const handler = new CommandHandler(store, noTransaction, clock, ids);
    await handler.handle(
      counter,
      'counter-1',
      { by: 1 },
      { actor: 'user:1', correlationId: 'c9', causationId: 'job-1', eventId: 'fact-1', occurredAt: 'T' },
      { newStream: true },
    );
    expect(appended[0]?.events[0]?.metadata).toEqual({
      eventId: 'fact-1',
      correlationId: 'c9',
      causationId: 'job-1',
      actor: 'user:1',
      occurredAt: 'T',
    });
  });

  it('runs a registered projection with the changes of the types it handles, in the same transaction', async () => {
    const { store } = recordingStore();
    const seen: unknown[] = [];
    const handler = new CommandHandler(store, (work) => work('tx-1' as never), clock, ids);
    handler.registerProjections(counter, [
      {
        name: 'totals',
        canHandle: ['Incremented'],
        handle: async (changes, tx) => {
          seen.push({ tx, changes: changes.map((c) => [c.streamId, c.before, c.after, c.version]) });
        },
      },
      {
        name: 'never',
        canHandle: ['Reset' as 'Incremented'],
        handle: async () => {
          seen.push('wrong type');
        },
      },
    ]);
    await handler.handle(counter, 'counter-1', { by: 4 }, context);
    expect(seen).toEqual([{ tx: 'tx-1', changes: [['counter-1', 0, 4, 1]] }]);
  });

  it('leaves the retry to the caller whose transaction it joins', async () => {
    const handler = new CommandHandler(storeWith([], 1), noTransaction, clock, ids);
    await expect(
      handler.handle(counter, 'counter-1', { by: 1 }, context, { tx: 'caller-tx' as never }),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });
});
