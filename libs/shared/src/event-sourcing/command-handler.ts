import type { PoolClient } from 'pg';
import type { Queryable } from '../database/pg';
import { VersionConflictError } from '../errors';
import type { PostgresEventStore, StreamAppend } from '../event-store/event-store';
import { activeTraceparent, tracingEnabled, withSpan } from '../tracing/tracing';
import type { Clock, IdSource } from './clock';
import type { Decider } from './decider';
import type { DomainEvent, EventMetadata, RecordedEvent } from './event';

/** Who asked and in which flow; becomes the metadata of every event the command produces. */
export interface CommandContext {
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  /** When the command happened, if the edge already knows (e.g. a job's batch time); else the clock's now. */
  readonly occurredAt?: string;
  /**
   * The id of the command's first event, when the edge already gave the fact its id (a sign-in attempt's
   * id); any further events get fresh ids.
   */
  readonly eventId?: string;
}

export interface CommandResult<State> {
  readonly state: State;
  readonly version: number;
  readonly events: RecordedEvent[];
}

/** One stream's change, as inline projections see it. */
export interface StreamChange<Event extends DomainEvent, State> {
  readonly streamId: string;
  readonly before: State;
  readonly after: State;
  /** The events this command appended (never empty: a command that decided nothing is not projected). */
  readonly events: readonly Event[];
  /** The stream's version after the events. */
  readonly version: number;
}

/**
 * A read model kept in the same transaction as the events (emmett's inline projection): it is handed every
 * stream change of a command (or of a many-stream batch) that appended one of the types it handles.
 */
export interface InlineProjection<Event extends DomainEvent, State> {
  readonly name: string;
  /** The event types it handles; absent, every type of its decider (a read model of the whole state). */
  readonly canHandle?: readonly Event['type'][];
  handle(changes: readonly StreamChange<Event, State>[], tx: Queryable): Promise<void>;
}

export interface HandleOptions<State> {
  /**
   * Join the caller's transaction instead of opening one. The caller owns the retry then: a version
   * conflict rolls the whole transaction back and surfaces as VersionConflictError.
   */
  readonly tx?: Queryable;
  /**
   * The stream is new (a fact with a fresh id): decide on the initial state and append at version 0
   * without reading the stream first; an existing stream surfaces as VersionConflictError.
   */
  readonly newStream?: boolean;
  /** Extra writes in the same transaction as the append (e.g. audit records of this command). */
  readonly inTransaction?: (
    tx: Queryable,
    newEvents: readonly DomainEvent[],
    stateBefore: State,
  ) => Promise<void>;
}

/** One command of a many-stream batch. */
export interface StreamCommand<Command> {
  readonly streamId: string;
  readonly command: Command;
  readonly context: CommandContext;
}

type AnyDecider = Decider<never, DomainEvent, unknown>;
type Transaction = <T>(work: (tx: PoolClient) => Promise<T>) => Promise<T>;

/**
 * The one generic command handler: load the stream, fold, decide, append with the expected version, run
 * the decider's inline projections, all in one transaction. A version conflict means another writer won
 * the race: reload and decide again (bounded). Any other error, including a refused command, goes straight
 * back to the caller. Event metadata is built here and nowhere else.
 */
export class CommandHandler {
  private readonly projections = new Map<AnyDecider, InlineProjection<DomainEvent, unknown>[]>();

  constructor(
    private readonly store: PostgresEventStore,
    private readonly transaction: Transaction,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly maxAttempts = 8,
  ) {}

  /** Registers read models kept in the same transaction as every command of `decider`. */
  registerProjections<Event extends DomainEvent, State>(
    decider: Decider<never, Event, State>,
    projections: readonly InlineProjection<Event, State>[],
  ): void {
    const key = decider as unknown as AnyDecider;
    const registered = this.projections.get(key) ?? [];
    for (const projection of projections) {
      if (registered.some((existing) => existing.name === projection.name)) continue;
      registered.push(projection as unknown as InlineProjection<DomainEvent, unknown>);
    }
    this.projections.set(key, registered);
  }

  async handle<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    streamId: string,
    command: Command,
    context: CommandContext,
    options: HandleOptions<State> = {},
  ): Promise<CommandResult<State>> {
    const [result] = await this.handleMany(decider, [{ streamId, command, context }], options);
    return result as CommandResult<State>;
  }

  /**
   * Many streams, one transaction and one append statement (a users import, a batch of audit facts):
   * all are appended or none.
   */
  async handleMany<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    commands: readonly StreamCommand<Command>[],
    options: HandleOptions<State> = {},
  ): Promise<CommandResult<State>[]> {
    if (!tracingEnabled()) return this.handleManyUntraced(decider, commands, options);
    const [first] = commands;
    return withSpan(
      `decide ${first ? streamTypeOf(first.streamId) : ''}`.trim(),
      { attributes: { 'lapse.streams': commands.length } },
      async (span) => {
        const results = await this.handleManyUntraced(decider, commands, options);
        const types = new Set(results.flatMap((result) => result.events.map((event) => event.type)));
        if (types.size > 0) span?.setAttribute('lapse.event_types', [...types]);
        return results;
      },
    );
  }

  private async handleManyUntraced<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    commands: readonly StreamCommand<Command>[],
    options: HandleOptions<State>,
  ): Promise<CommandResult<State>[]> {
    if (options.tx) return this.handleOnce(decider, commands, options, options.tx);
    if (
      options.newStream &&
      !options.inTransaction &&
      !this.projections.has(decider as unknown as AnyDecider)
    )
      // Nothing to read and one statement to write, atomic on its own: no transaction to open (the identity
      // audit trail's batches stay one round trip). A conflict means the stream exists: no point retrying.
      return this.handleOnce(decider, commands, options, undefined);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((tx) => this.handleOnce(decider, commands, options, tx));
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
    commands: readonly StreamCommand<Command>[],
    options: HandleOptions<State>,
    tx: Queryable | undefined,
  ): Promise<CommandResult<State>[]> {
    const decided: (StreamChange<Event, State> & { context: CommandContext })[] = [];
    for (const { streamId, command, context } of commands) {
      const { state, version } = options.newStream
        ? { state: decider.initialState(), version: 0 }
        : await this.load(decider, streamId, tx);
      const events = decider.decide(command, state);
      const after = events.reduce((current, event) => decider.evolve(current, event), state);
      decided.push({ streamId, before: state, after, events, version: version + events.length, context });
    }
    // While tracing is on, the span deciding is stored with each event: the relay and the consumers that read
    // the event later, in other transactions and processes, continue its trace.
    const traceparent = activeTraceparent();
    const appends: StreamAppend[] = decided.map((change) => {
      const occurredAt = change.context.occurredAt ?? this.clock.now().toISOString();
      return {
        streamId: change.streamId,
        expectedVersion: change.version - change.events.length,
        events: change.events.map((event, index) => ({
          event,
          metadata: this.metadata(change.context, occurredAt, index, traceparent),
        })),
      };
    });
    const recorded = await this.appendAll(appends, tx);
    if (tx) {
      await this.project(decider, decided, tx);
      for (const change of decided) await options.inTransaction?.(tx, change.events, change.before);
    }
    return decided.map((change, index) => ({
      state: change.after,
      version: change.version,
      events: recorded[index] ?? [],
    }));
  }

  /**
   * One stream: the store's single-stream append, which returns the recorded events (their log positions).
   * Many: one statement for all; the events' positions are not read back.
   */
  private async appendAll(
    appends: readonly StreamAppend[],
    tx: Queryable | undefined,
  ): Promise<RecordedEvent[][]> {
    if (appends.length === 1) {
      const [only] = appends as [StreamAppend];
      return [await this.store.append(only.streamId, only.expectedVersion, only.events, tx)];
    }
    await this.store.appendToStreams(appends, tx);
    return [];
  }

  private async project<Event extends DomainEvent, State>(
    decider: Decider<never, Event, State>,
    changes: readonly StreamChange<Event, State>[],
    tx: Queryable,
  ): Promise<void> {
    const projections = this.projections.get(decider as unknown as AnyDecider) ?? [];
    const appended = changes.filter((change) => change.events.length > 0);
    for (const projection of projections) {
      const types = projection.canHandle;
      const relevant = types
        ? appended.filter((change) => change.events.some((event) => types.includes(event.type)))
        : appended;
      if (relevant.length > 0) await projection.handle(relevant, tx);
    }
  }

  private metadata(
    context: CommandContext,
    occurredAt: string,
    index: number,
    traceparent: string | undefined,
  ): EventMetadata {
    const metadata: EventMetadata = {
      eventId: index === 0 && context.eventId ? context.eventId : this.ids.next(),
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      actor: context.actor,
      occurredAt,
    };
    return traceparent ? { ...metadata, traceparent } : metadata;
  }
}

/** `user` of `user-<id>`: names the decide span without the stream's id. */
function streamTypeOf(streamId: string): string {
  return streamId.split('-', 1)[0] ?? '';
}
