import { type ICustomPartitioner, Partitioners } from './kafkajs/client';

/**
 * Kafka's own murmur2 (org.apache.kafka.common.utils.Utils.murmur2) over the key's UTF-8 bytes, in 32-bit
 * integer arithmetic. kafkajs 2.2.4 computes the same hash with a 64-bit Long object per step, a share of
 * the relay's CPU in a bulk fan-out (docs/performance.md).
 */
export function murmur2(key: string | Buffer): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[length4 + 2] << 16;
    if (rest >= 2) h ^= data[length4 + 1] << 8;
    h ^= data[length4];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partitioner of the Java client (and of kafkajs's DefaultPartitioner) for keyed messages:
 * `toPositive(murmur2(key)) % partitions`, over all of the topic's partitions, so a stream's messages land
 * where any other Kafka client would put them. Messages with an explicit partition or without a key are
 * left to kafkajs's DefaultPartitioner.
 */
export const JavaCompatiblePartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key === null || message.key === undefined) return fallback(args);
    return (murmur2(message.key) & 0x7fffffff) % partitionMetadata.length;
  };
};
