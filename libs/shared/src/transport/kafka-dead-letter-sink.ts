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

/** A dead-letter sink that parks in the consumer's table and on the dead-letter topic. */
export function kafkaDeadLetterSink(producer: KafkaProducer): DeadLetterSink {
  const table = new TableDeadLetterSink();
  return {
    park: async (letter: DeadLetter, tx: Queryable) => {
      await table.park(letter, tx);
      await producer.send(DEAD_LETTER_TOPIC, [
        {
          key: letter.message.key,
          value: rawPayloadOf(letter.message),
          headers: {
            ...stringHeaders(letter.message.headers),
            'dead-letter-reason': letter.reason.slice(0, 2000),
            'dead-letter-consumer': letter.consumer,
            'dead-letter-attempts': String(letter.attempts),
            'original-topic': letter.message.topic,
          },
        },
      ]);
    },
  };
}
