import type { IHeaders, KafkaMessage } from './kafkajs/client';
import type { InboundMessage, MessageHeaders } from '../messaging/message';

/** Lapse's message headers as Kafka record headers (event-id, event-type, schema-version, …, traceparent). */
export function stringHeaders(headers: Partial<MessageHeaders>): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers.eventId) out['event-id'] = headers.eventId;
  if (headers.eventType) out['event-type'] = headers.eventType;
  if (headers.schemaVersion !== undefined) out['schema-version'] = String(headers.schemaVersion);
  if (headers.correlationId) out['correlation-id'] = headers.correlationId;
  if (headers.causationId) out['causation-id'] = headers.causationId;
  if (headers.actor) out.actor = headers.actor;
  if (headers.occurredAt) out['occurred-at'] = headers.occurredAt;
  if (headers.traceparent) out.traceparent = headers.traceparent;
  return out;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** A fetched Kafka record as the inbox's message; a value that is not JSON is kept raw with its parse error. */
export function toInbound(topic: string, partition: number, message: KafkaMessage): InboundMessage {
  const raw = message.value?.toString() ?? '';
  const schemaVersionText = header(message.headers, 'schema-version');
  const schemaVersion = schemaVersionText === undefined ? undefined : Number(schemaVersionText);
  const headers: Partial<MessageHeaders> = {
    eventId: header(message.headers, 'event-id'),
    eventType: header(message.headers, 'event-type'),
    schemaVersion: Number.isInteger(schemaVersion) ? schemaVersion : undefined,
    correlationId: header(message.headers, 'correlation-id'),
    causationId: header(message.headers, 'causation-id') ?? null,
    actor: header(message.headers, 'actor'),
    occurredAt: header(message.headers, 'occurred-at'),
    traceparent: header(message.headers, 'traceparent'),
  };
  const source = { kind: 'kafka' as const, partition, offset: message.offset };
  const key = message.key?.toString() ?? '';
  try {
    return { topic, key, headers, payload: JSON.parse(raw), source };
  } catch (error) {
    return { topic, key, headers, payload: undefined, raw, parseError: (error as Error).message, source };
  }
}
