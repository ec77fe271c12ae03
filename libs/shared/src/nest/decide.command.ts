import {
  Command,
  CommandHandler as BusCommandHandler,
  type CommandBus,
  type ICommandHandler,
} from '@nestjs/cqrs';
import type {
  CommandContext,
  CommandResult,
  HandleOptions,
  StreamCommand,
} from '../event-sourcing/command-handler';
import type { Decider } from '../event-sourcing/decider';
import type { DomainEvent } from '../event-sourcing/event';
import { EventStoreProvider } from './event-store.provider';

/**
 * The command every writer dispatches on `@nestjs/cqrs`'s CommandBus: run `command` against one stream of
 * `decider`. The decider, not the bus command's class, says what the command means, so one bus command and
 * one handler serve all three services: hosted together (all-in-one) they share this handler and nothing
 * can collide.
 */
export class Decide<C, E extends DomainEvent, S> extends Command<CommandResult<S>> {
  constructor(
    readonly decider: Decider<C, E, S>,
    readonly streamId: string,
    readonly command: C,
    readonly context: CommandContext,
    readonly options: HandleOptions<S> = {},
  ) {
    super();
  }
}

/** Many streams of one decider in one transaction and one append (an import, a batch of audit facts). */
export class DecideMany<C, E extends DomainEvent, S> extends Command<CommandResult<S>[]> {
  constructor(
    readonly decider: Decider<C, E, S>,
    readonly commands: readonly StreamCommand<C>[],
    readonly options: HandleOptions<S> = {},
  ) {
    super();
  }
}

@BusCommandHandler(Decide)
export class DecideHandler implements ICommandHandler<Decide<unknown, DomainEvent, unknown>> {
  constructor(private readonly events: EventStoreProvider) {}

  execute(bus: Decide<unknown, DomainEvent, unknown>): Promise<CommandResult<unknown>> {
    return this.events.commands.handle(bus.decider, bus.streamId, bus.command, bus.context, bus.options);
  }
}

@BusCommandHandler(DecideMany)
export class DecideManyHandler implements ICommandHandler<DecideMany<unknown, DomainEvent, unknown>> {
  constructor(private readonly events: EventStoreProvider) {}

  execute(bus: DecideMany<unknown, DomainEvent, unknown>): Promise<CommandResult<unknown>[]> {
    return this.events.commands.handleMany(bus.decider, bus.commands, bus.options);
  }
}

/**
 * The same dispatch outside a Nest application (benchmarks, test harnesses that build a service's parts
 * by hand): Decide and DecideMany reach the same handlers.
 */
export function directCommandBus(events: EventStoreProvider): Pick<CommandBus, 'execute'> {
  const one = new DecideHandler(events);
  const many = new DecideManyHandler(events);
  const execute = (command: unknown) => {
    if (command instanceof Decide) return one.execute(command);
    if (command instanceof DecideMany) return many.execute(command);
    throw new Error(`No handler for ${(command as object).constructor.name}`);
  };
  return { execute } as Pick<CommandBus, 'execute'>;
}
