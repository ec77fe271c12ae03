import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  DecideMany,
  factStreamDecider,
  ID_SOURCE,
  type IdSource,
  LOGGER,
  type Logger,
  type RecordFact,
  type SignInAttemptedV1,
  type StreamCommand,
  type UserSessionsClearedV1,
} from '@lapse/shared';
import { afterAnswering } from './after-answering';
import { type IdentityEvent, SESSIONS_CLEARED_STREAM_PREFIX, SIGN_IN_STREAM_PREFIX } from './identity.events';

/** Each of identity's streams holds one fact. */
export const identityFactDecider = factStreamDecider<IdentityEvent>();

/** Who, for the event's metadata (its correlation id is the event's own id: each is a flow of its own). */
export interface TrailContext {
  /** `admin:<tokenId>`, `user:<userId>` or `system` (an attempt at a login nobody has). */
  readonly actor: string;
}

/**
 * Appends identity's audit events to its own event store — the outbox its relay (Kafka) or the embedded
 * transport publishes to directory — after the answer has gone out, so a sign-in waits for no extra round
 * trip. Events recorded while a write is in flight go together in the next one: one DecideMany on the
 * CommandBus, new streams appended without a read, one statement for many sign-ins at load. The price: events not yet written when the process crashes are lost (a graceful stop
 * writes them first); the sign-in itself and its session are unaffected.
 */
@Injectable()
export class IdentityAuditTrail implements OnModuleDestroy {
  private pending: StreamCommand<RecordFact<IdentityEvent>>[] = [];
  private scheduled = false;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly commandBus: CommandBus,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  signInAttempted(data: Omit<SignInAttemptedV1, 'attemptId'>, context: TrailContext): void {
    const attemptId = this.ids.next();
    this.record(`${SIGN_IN_STREAM_PREFIX}${attemptId}`, attemptId, data.attemptedAt, context, {
      type: 'SignInAttempted',
      schemaVersion: 1,
      data: { attemptId, ...data },
    });
  }

  sessionsCleared(data: UserSessionsClearedV1, context: TrailContext): void {
    const eventId = this.ids.next();
    this.record(`${SESSIONS_CLEARED_STREAM_PREFIX}${eventId}`, eventId, data.clearedAt, context, {
      type: 'UserSessionsCleared',
      schemaVersion: 1,
      data,
    });
  }

  /** Resolves once everything recorded so far is written (or its write failed and was logged). */
  async drained(): Promise<void> {
    while (this.scheduled || this.pending.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.written;
    }
    await this.written;
  }

  async onModuleDestroy(): Promise<void> {
    await this.drained();
  }

  private record(
    streamId: string,
    eventId: string,
    occurredAt: string,
    context: TrailContext,
    event: IdentityEvent,
  ): void {
    this.pending.push({
      streamId,
      command: { type: 'RecordFact', event },
      // The fact's own id is its event id and its correlation: each is a flow of its own.
      context: { actor: context.actor, correlationId: eventId, eventId, occurredAt },
    });
    if (this.scheduled) return;
    this.scheduled = true;
    afterAnswering(
      async () => {
        this.written = this.written.then(() => this.writePending());
        await this.written;
      },
      () => undefined,
    );
  }

  private async writePending(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.commandBus.execute(new DecideMany(identityFactDecider, batch, { newStream: true }));
    } catch (error) {
      this.logger.error(
        { events: batch.length, err: error instanceof Error ? error.message : String(error) },
        'audit events not written',
      );
    }
  }
}
