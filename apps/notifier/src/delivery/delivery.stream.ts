import type { CommandBus } from '@nestjs/cqrs';
import { type CommandContext, Decide, type EventStoreProvider, type Queryable } from '@lapse/shared';
import { type DeliveryCommand, deliveryDecider, type DeliveryState } from './domain/delivery.decider';
import { type DeliveryEvent, deliveryStreamId } from './domain/delivery.events';

/**
 * Runs the delivery decider through the CommandBus inside a caller's transaction (the consumer's inbox
 * transaction, or the worker's job transaction), so the events and the job or link rows commit together.
 * A concurrent writer surfaces as VersionConflictError and rolls the whole transaction back for a retry.
 */
export class DeliveryStream {
  constructor(
    private readonly events: EventStoreProvider,
    private readonly commandBus: Pick<CommandBus, 'execute'>,
  ) {}

  load(deliveryId: string, tx: Queryable): Promise<{ state: DeliveryState; version: number }> {
    return this.events.commands.load(deliveryDecider, deliveryStreamId(deliveryId), tx);
  }

  async handle(
    deliveryId: string,
    command: DeliveryCommand,
    context: CommandContext,
    tx: Queryable,
  ): Promise<DeliveryEvent[]> {
    const result = await this.commandBus.execute(
      new Decide(deliveryDecider, deliveryStreamId(deliveryId), command, context, { tx }),
    );
    return result.events.map((event) => ({
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
    })) as DeliveryEvent[];
  }
}

export const NOTIFIER_ACTOR = 'service:notifier';
