import groupMessagesPerPartition = require('./group-messages-per-partition');

// kafkajs's own module (the unit project resolves nothing to the drop-ins; the Kafka project does).
const kafkajsGrouping =
  require('kafkajs/src/producer/groupMessagesPerPartition') as typeof groupMessagesPerPartition;

interface Message {
  readonly key: string | null;
  readonly value: string;
  readonly partition?: number;
}

const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: 1 }));
// Where kafkajs's partitioners put a message: its own partition if it names one, else by key (here: length).
const partitioner = ({ message }: { message: Message }) =>
  message.partition ?? (message.key === null ? 3 : message.key.length % 6);
const messages = (n: number): Message[] =>
  Array.from({ length: n }, (_, i) => ({
    key: i % 97 === 0 ? null : `user-${'x'.repeat(i % 11)}-${i}`,
    value: `v${i}`,
    ...(i % 13 === 0 ? { partition: 5 } : {}),
  }));

describe('groupMessagesPerPartition (drop-in for kafkajs 2.2)', () => {
  it.each([0, 1, 7, 2000])('groups %i messages as kafkajs does, each partition in the order given', (n) => {
    const input = { topic: 'lapse.directory.users', partitionMetadata, messages: messages(n), partitioner };
    const ours = groupMessagesPerPartition(input);
    expect(ours).toEqual(kafkajsGrouping(input));
    expect(Object.keys(ours)).toEqual(Object.keys(kafkajsGrouping(input)));
    for (const list of Object.values(ours)) {
      const order = list.map((message) => input.messages.indexOf(message));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(Object.values(ours).flat()).toHaveLength(n);
  });

  it('gives nothing for a topic without partition metadata, as kafkajs does', () => {
    const input = { topic: 't', partitionMetadata: [], messages: messages(3), partitioner };
    expect(groupMessagesPerPartition(input)).toEqual({});
    expect(kafkajsGrouping(input)).toEqual({});
  });
});
