/**
 * A drop-in for kafkajs 2.2's `kafkajs/src/producer/groupMessagesPerPartition`: the messages of one topic by
 * partition (an object keyed by partition number, each list in the order given). kafkajs copies a
 * partition's whole list for every message it adds (`[...current, message]`), quadratic in the messages per
 * partition: a relay batch of thousands of events copies hundreds of thousands of references into short-lived
 * arrays, a share of the relay's CPU and of its scavenges (docs/performance.md). This appends.
 */
interface Grouping<Message> {
  readonly topic: string;
  readonly partitionMetadata: readonly unknown[];
  readonly messages: readonly Message[];
  readonly partitioner: (args: {
    topic: string;
    partitionMetadata: readonly unknown[];
    message: Message;
  }) => number;
}

function groupMessagesPerPartition<Message>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: Grouping<Message>): Record<number, Message[]> {
  const grouped: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return grouped;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = grouped[partition];
    if (list) list.push(message);
    else grouped[partition] = [message];
  }
  return grouped;
}

export = groupMessagesPerPartition;
