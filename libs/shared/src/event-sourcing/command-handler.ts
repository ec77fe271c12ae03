import type { PoolClient } from 'pg';
import type { Queryable } from '../database/pg';
import { VersionConflictError } from '../errors';
import type { PostgresEventStore } from '../event-store/event-store';
import type { Clock, IdSource } from './clock';
import type { Decider } from './decider';
import type { DomainEvent, EventMetadata, RecordedEvent } from './event';

/** Who asked and in which flow; becomes the metadata of every event the command produces. */
export interface CommandContext {
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
}

export interface CommandResult<State> {
  readonly state: State;
  readonly version: number;
  readonly events: RecordedEvent[];
}

export interface HandleOptions<State> {
  /** Extra writes in the same transaction as the append (e.g. a unique-login claim). */
  readonly inTransaction?: (
    tx: PoolClient,
    newEvents: readonly DomainEvent[],
    stateBefore: State,
  ) => Promise<void>;
}

/**
 * The one generic command handler: load the stream, fold, decide, append with the expected version.
 * A version conflict means another writer won the race: reload and decide again (bounded). Any other
 * error, including a refused command, goes straight back to the caller.
 */
export class CommandHandler {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly transaction: <T>(work: (tx: PoolClient) => Promise<T>) => Promise<T>,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly maxAttempts = 8,
  ) {}

  async handle<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    streamId: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions<State> = {},
  ): Promise<CommandResult<State>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((tx) =>
          this.handleOnce(decider, streamId, command, context, options, tx),
        );
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  async load<Event extends DomainEvent, State>(
    decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
    streamId: string,
    db?: Queryable,
  ): Promise<{ state: State; version: number }> {
    const recorded = await this.store.readStream(streamId, db);
    const state = recorded.reduce(
      (current, event) =>
        decider.evolve(current, {
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data,
        } as Event),
      decider.initialState(),
    );
    return { state, version: recorded.length };
  }

  private async handleOnce<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    streamId: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions<State>,
    tx: PoolClient,
  ): Promise<CommandResult<State>> {
    const { state, version } = await this.load(decider, streamId, tx);
    const newEvents = decider.decide(command, state);
    const occurredAt = this.clock.now().toISOString();
    const recorded = await this.store.append(
      streamId,
      version,
      newEvents.map((event) => ({ event, metadata: this.metadata(context, occurredAt) })),
      tx,
    );
    await options.inTransaction?.(tx, newEvents, state);
    const next = newEvents.reduce((current, event) => decider.evolve(current, event), state);
    return { state: next, version: version + newEvents.length, events: recorded };
  }

  private metadata(context: CommandContext, occurredAt: string): EventMetadata {
    return {
      eventId: this.ids.next(),
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      actor: context.actor,
      occurredAt,
    };
  }
}
