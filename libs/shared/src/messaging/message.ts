import type { RecordedEvent } from '../event-sourcing/event';

/** Headers every published message carries, on every transport. */
export interface MessageHeaders {
  readonly eventId: string;
  readonly eventType: string;
  readonly schemaVersion: number;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly actor: string;
  readonly occurredAt: string;
  /** W3C trace context of the span that decided the event (only when tracing was on there). */
  readonly traceparent?: string;
}

/** A message as it leaves the publisher: the published contract, never the private domain event. */
export interface OutboundMessage {
  readonly topic: string;
  /** Partition key: the stream id, so per-stream order is kept. */
  readonly key: string;
  readonly headers: MessageHeaders;
  readonly payload: unknown;
}

/** Where a delivered message came from, so the consumer can record its checkpoint. */
export type MessageSource =
  | { readonly kind: 'log'; readonly transactionId: string; readonly globalPosition: string }
  | { readonly kind: 'kafka'; readonly partition: number; readonly offset: string };

/** A message as a consumer receives it. `payload` is parsed JSON, or `undefined` if it could not be. */
export interface InboundMessage {
  readonly topic: string;
  readonly key: string;
  readonly headers: Partial<MessageHeaders>;
  readonly payload: unknown;
  /** Raw text for messages that could not be parsed (kept for the dead letter). */
  readonly raw?: string;
  readonly parseError?: string;
  readonly source: MessageSource;
}

/** Maps a private domain event to the messages it publishes (zero, one, or several topics). */
export type Publication = (event: RecordedEvent) => OutboundMessage[];

export function headersOf(
  event: RecordedEvent,
  type = event.type,
  schemaVersion = event.schemaVersion,
): MessageHeaders {
  const headers: MessageHeaders = {
    eventId: event.metadata.eventId,
    eventType: type,
    schemaVersion,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    actor: event.metadata.actor,
    occurredAt: event.metadata.occurredAt,
  };
  const { traceparent } = event.metadata;
  return traceparent ? { ...headers, traceparent } : headers;
}

/**
 * Combines the publications of several modules into one. A loop, like `publishAll`: it runs for every event
 * the relay or a consumer reads.
 */
export function combinePublications(publications: readonly Publication[]): Publication {
  return (event) => {
    const messages: OutboundMessage[] = [];
    for (const publication of publications) for (const message of publication(event)) messages.push(message);
    return messages;
  };
}

/**
 * Every event's messages, in order. A loop rather than `events.flatMap(publication)`: on Node.js 20 `flatMap`
 * cost about a microsecond an event more, and in a 100,000-user bulk expiry's profile the combined
 * publications' `flatMap` took more of the process's main thread than the publications themselves
 * (docs/performance.md, "Main thread per event").
 */
export function publishAll(events: readonly RecordedEvent[], publication: Publication): OutboundMessage[] {
  const messages: OutboundMessage[] = [];
  for (const event of events) for (const message of publication(event)) messages.push(message);
  return messages;
}
