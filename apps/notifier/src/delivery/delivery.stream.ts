import type { Clock, CommandContext, IdSource, PostgresEventStore, Queryable } from '@lapse/shared';
import { type DeliveryCommand, deliveryDecider, type DeliveryState } from './domain/delivery.decider';
import { type DeliveryEvent, deliveryStreamId } from './domain/delivery.events';

/**
 * Runs the delivery decider inside a caller's transaction (the consumer's inbox transaction, or the
 * worker's job transaction), so the events and the job or link rows commit together. A concurrent
 * writer surfaces as VersionConflictError and rolls the whole transaction back for a retry.
 */
export class DeliveryStream {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {}

  async load(deliveryId: string, tx: Queryable): Promise<{ state: DeliveryState; version: number }> {
    const recorded = await this.store.readStream(deliveryStreamId(deliveryId), tx);
    const state = recorded.reduce(
      (current, event) =>
        deliveryDecider.evolve(current, {
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data,
        } as DeliveryEvent),
      deliveryDecider.initialState(),
    );
    return { state, version: recorded.length };
  }

  async handle(
    deliveryId: string,
    command: DeliveryCommand,
    context: CommandContext,
    tx: Queryable,
  ): Promise<DeliveryEvent[]> {
    const { state, version } = await this.load(deliveryId, tx);
    const events = deliveryDecider.decide(command, state);
    const occurredAt = this.clock.now().toISOString();
    await this.store.append(
      deliveryStreamId(deliveryId),
      version,
      events.map((event) => ({
        event,
        metadata: {
          eventId: this.ids.next(),
          correlationId: context.correlationId,
          causationId: context.causationId ?? null,
          actor: context.actor,
          occurredAt,
        },
      })),
      tx,
    );
    return [...events];
  }
}

export const NOTIFIER_ACTOR = 'service:notifier';
