import { randomUUID } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from './kafkajs/client';
import { JavaCompatiblePartitioner, murmur2 } from './java-compatible-partitioner';

const partitions = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

describe('the Java-compatible partitioner', () => {
  it("hashes like Kafka's Utils.murmur2 (the vectors of Kafka's UtilsTest.testMurmur2)", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it("puts every keyed message on the partition kafkajs's DefaultPartitioner chooses", () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys = [
      ...Array.from({ length: 2000 }, () => `00u${randomUUID()}`),
      ...Array.from({ length: 200 }, (_, i) => 'é✓'.repeat(i % 7) + String(i)),
      '',
    ];
    for (const count of [1, 3, 6, 12]) {
      const partitionMetadata = partitions(count);
      for (const key of keys) {
        const args = { topic: 't', partitionMetadata, message: { key, value: 'v' } };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it('keeps an explicit partition', () => {
    const args = {
      topic: 't',
      partitionMetadata: partitions(6),
      message: { key: 'k', value: 'v', partition: 4 },
    };
    expect(JavaCompatiblePartitioner()(args)).toBe(4);
  });

  it('spreads messages without a key over the available partitions', () => {
    const partitioner = JavaCompatiblePartitioner();
    const partitionMetadata = partitions(6);
    const chosen = new Set(
      Array.from({ length: 12 }, () =>
        partitioner({ topic: 't', partitionMetadata, message: { value: 'v' } }),
      ),
    );
    expect(chosen.size).toBe(6);
  });
});
