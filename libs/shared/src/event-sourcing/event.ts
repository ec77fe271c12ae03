/**
 * Events are readonly `{ type, data, metadata }` objects with a stable string `type` and a
 * `schemaVersion`. They are never identified by class name.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly data: Data;
}

/** Who, when and why: supplied at the edge (clock, id source, request), never inside `decide`. */
export interface EventMetadata {
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** `admin:<tokenId>`, `user:<userId>`, `service:<name>` or `system`. */
  readonly actor: string;
  /** ISO-8601 instant the event was decided. */
  readonly occurredAt: string;
  /**
   * The W3C `traceparent` of the span that decided the event, present only while tracing is on: a relay or
   * consumer that reads the event later, in another transaction or process, continues that trace.
   */
  readonly traceparent?: string;
}

export interface RecordedEvent<E extends DomainEvent = DomainEvent> {
  readonly streamId: string;
  /** 1-based position of the event inside its stream. */
  readonly version: number;
  /** Position in the global log; increases with every append, ordered by (transactionId, position). */
  readonly globalPosition: string;
  readonly transactionId: string;
  readonly type: E['type'];
  readonly schemaVersion: number;
  readonly data: E['data'];
  readonly metadata: EventMetadata;
  readonly recordedAt: string;
}

/** Where a reader of the global log has got to. Ordered by transaction id, then position. */
export interface LogPosition {
  readonly transactionId: string;
  readonly globalPosition: string;
}

export const START_OF_LOG: LogPosition = Object.freeze({ transactionId: '0', globalPosition: '0' });
