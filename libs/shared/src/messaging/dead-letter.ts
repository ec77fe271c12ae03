import type { Queryable } from '../database/pg';
import type { InboundMessage } from './message';

export interface DeadLetter {
  readonly consumer: string;
  readonly message: InboundMessage;
  readonly reason: string;
  readonly attempts: number;
}

/** Where poison and malformed messages are parked, with their error, so the rest can flow on. */
export interface DeadLetterSink {
  /** Records the letter in the caller's transaction (database writes only). */
  park(letter: DeadLetter, tx: Queryable): Promise<void>;
  /**
   * Called once the transaction that parked `letters` has committed, for copies that cross the network
   * (the Kafka dead-letter topic): no network call is made inside a database transaction.
   */
  parked?(letters: readonly DeadLetter[]): Promise<void>;
}

export function rawPayloadOf(message: InboundMessage): string {
  if (message.raw !== undefined) return message.raw;
  return JSON.stringify(message.payload ?? null);
}

/** Embedded mode: a table in the consumer's own database. */
export class TableDeadLetterSink implements DeadLetterSink {
  async park(letter: DeadLetter, tx: Queryable): Promise<void> {
    const { message } = letter;
    await tx.query(
      `INSERT INTO lapse_dead_letters (consumer, topic, message_key, event_id, event_type, schema_version, payload, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        letter.consumer,
        message.topic,
        message.key,
        message.headers.eventId ?? null,
        message.headers.eventType ?? null,
        message.headers.schemaVersion ?? null,
        rawPayloadOf(message),
        letter.reason.slice(0, 2000),
        letter.attempts,
      ],
    );
  }
}

export interface DeadLetterRow {
  consumer: string;
  topic: string;
  message_key: string;
  event_id: string | null;
  event_type: string | null;
  payload: string;
  reason: string;
  attempts: number;
}

export async function listDeadLetters(db: Queryable, consumer: string): Promise<DeadLetterRow[]> {
  const { rows } = await db.query<DeadLetterRow>(
    'SELECT consumer, topic, message_key, event_id, event_type, payload, reason, attempts FROM lapse_dead_letters WHERE consumer = $1 ORDER BY id',
    [consumer],
  );
  return rows;
}
