import type { Queryable } from '../database/pg';
import {
  type DeadLetter,
  type DeadLetterSink,
  rawPayloadOf,
  TableDeadLetterSink,
} from '../messaging/dead-letter';
import { stringHeaders } from './kafka-message-headers';
import type { KafkaProducer } from './kafka-producer';
import { DEAD_LETTER_TOPIC } from './kafka-topic-admin';

/**
 * A dead-letter sink that parks in the consumer's table, in the consumer's transaction, and once that
 * transaction has committed copies the letters to the dead-letter topic. The table is the record; a
 * copy Kafka refuses (or a crash between the commit and the copy) leaves the letter in the table only.
 */
export function kafkaDeadLetterSink(producer: KafkaProducer): DeadLetterSink {
  const table = new TableDeadLetterSink();
  return {
    park: (letter: DeadLetter, tx: Queryable) => table.park(letter, tx),
    parked: async (letters: readonly DeadLetter[]) => {
      if (letters.length === 0) return;
      await producer.send(
        DEAD_LETTER_TOPIC,
        letters.map((letter) => ({
          key: letter.message.key,
          value: rawPayloadOf(letter.message),
          headers: {
            ...stringHeaders(letter.message.headers),
            'dead-letter-reason': letter.reason.slice(0, 2000),
            'dead-letter-consumer': letter.consumer,
            'dead-letter-attempts': String(letter.attempts),
            'original-topic': letter.message.topic,
          },
        })),
      );
    },
  };
}
