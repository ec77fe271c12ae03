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
import type { IdentityConfig } from '../identity.config';
import { IDENTITY_CONFIG } from '../identity.tokens';
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
 * trip. Writes are spaced at least `AUDIT_WRITE_INTERVAL_MS` apart (250 ms by default): an event recorded
 * after a quiet spell is written at once, one recorded soon after a write waits for the interval to end, and
 * everything recorded meanwhile goes in that next write — one DecideMany on the CommandBus, new streams
 * appended without a read, one statement for many sign-ins at load. Each write costs every reader of the log
 * a read and a checkpoint (all-in-one: every consumer tails it; Kafka: the relay, then directory's consumer),
 * which at a write per few sign-ins cost PostgreSQL more CPU than everything else a sign-in asks of it
 * (docs/performance.md, "Sign-in").
 * The price: events not yet written when the process crashes are lost, at most an interval's worth (a
 * graceful stop writes them first); the sign-in itself and its session are unaffected.
 */
@Injectable()
export class IdentityAuditTrail implements OnModuleDestroy {
  private pending: StreamCommand<RecordFact<IdentityEvent>>[] = [];
  private scheduled = false;
  /** The next write, while it waits for the interval since the last one to end. */
  private timer: NodeJS.Timeout | null = null;
  /** When the last write began (`performance.now()`), for the interval between writes. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private written: Promise<void> = Promise.resolve();

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
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

  /**
   * Resolves once everything recorded so far is written (or its write failed and was logged); a write
   * waiting for its interval goes at once.
   */
  async drained(): Promise<void> {
    while (this.scheduled || this.pending.length > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
        this.write();
      }
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
    const wait = this.lastWriteAt + this.config.auditWriteIntervalMs - performance.now();
    if (wait <= 0) {
      afterAnswering(
        async () => this.write(),
        () => undefined,
      );
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.write();
    }, wait);
  }

  /** Queues a write of what is pending behind the one in flight (it fails only into the log). */
  private write(): Promise<void> {
    this.written = this.written.then(() => this.writePending());
    return this.written;
  }

  private async writePending(): Promise<void> {
    this.scheduled = false;
    this.lastWriteAt = performance.now();
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
