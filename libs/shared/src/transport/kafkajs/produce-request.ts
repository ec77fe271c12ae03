import { ByteWriter, EncodedBytes, type RecordInput } from './byte-writer';
import crc32c = require('./crc32c');

/**
 * A drop-in for kafkajs 2.2's Produce request v3 (`kafkajs/src/protocol/requests/produce/v3/request`, which
 * versions 4 to 7 reuse with another version number): the same bytes, written once into one buffer. kafkajs
 * builds every record, record batch, partition and topic in its own `Encoder`, each copied into the next one
 * and each grown from a zero-filled buffer: megabytes of buffers for one relay batch, whose
 * external memory made the directory's V8 run a full mark-compact every few hundred milliseconds during a bulk
 * fan-out. Compressed batches are left to kafkajs's own request (`install.ts` hands it in).
 *
 * Produce Request (Version: 3) => transactional_id acks timeout [topic => STRING [partition => INT32 record_set]]
 * record_set => RECORDS: one record batch v2:
 *   FirstOffset => int64, Length => int32, PartitionLeaderEpoch => int32, Magic => int8 (2), CRC => uint32
 *   (CRC-32C of the rest), Attributes => int16, LastOffsetDelta => int32, FirstTimestamp => int64,
 *   MaxTimestamp => int64, ProducerId => int64, ProducerEpoch => int16, FirstSequence => int32, Records => [Record]
 */

interface Message extends RecordInput {
  readonly timestamp?: number | string | null;
}

interface PartitionData {
  readonly partition: number;
  readonly firstSequence?: number;
  readonly messages: readonly Message[];
}

interface ProduceRequestInput {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  readonly producerId?: unknown;
  readonly producerEpoch?: number;
  readonly compression?: number;
  readonly topicData: readonly { readonly topic: string; readonly partitions: readonly PartitionData[] }[];
}

type ProduceRequest = (input: ProduceRequestInput) => {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<unknown>;
};

const PRODUCE_API_KEY = 0;
const MAGIC_BYTE = 2;
const TRANSACTIONAL_FLAG = 16;
const NO_COMPRESSION = 0;

/** kafkajs's own v3 request, for what this does not write (compressed batches); set by `install.ts`. */
let kafkajsRequest: ProduceRequest | null = null;

function produceRequest(input: ProduceRequestInput): ReturnType<ProduceRequest> {
  const compression = input.compression ?? NO_COMPRESSION;
  if (compression !== NO_COMPRESSION) {
    if (!kafkajsRequest) throw new Error('compressed produce requests need kafkajs own request module');
    return kafkajsRequest(input);
  }
  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => input.acks !== 0,
    encode: async () => new EncodedBytes(encode(input)),
  };
}

function encode({
  acks,
  timeout,
  transactionalId = null,
  producerId = -1,
  producerEpoch = 0,
  topicData,
}: ProduceRequestInput): Buffer {
  let estimate = 64;
  for (const { topic, partitions } of topicData) {
    estimate += 8 + topic.length * 3;
    for (const { messages } of partitions) {
      estimate += 80;
      for (const message of messages) estimate += 64 + approximateSize(message);
    }
  }
  const out = new ByteWriter(estimate);
  out.string(transactionalId);
  out.int16(acks);
  out.int32(timeout);
  out.int32(topicData.length);
  for (const { topic, partitions } of topicData) {
    out.string(topic);
    out.int32(partitions.length);
    for (const { partition, firstSequence = 0, messages } of partitions) {
      out.int32(partition);
      const recordSetSizeAt = out.length;
      out.int32(0); // record_set size, filled in below
      const batchStart = out.length;
      const now = Date.now();
      const timestamps = messages
        .map((message) => message.timestamp)
        .filter((timestamp) => timestamp != null)
        .sort();
      const firstTimestamp = timestamps.length === 0 ? now : (timestamps[0] as number | string);
      const maxTimestamp =
        timestamps.length === 0 ? now : (timestamps[timestamps.length - 1] as number | string);
      out.int64(0); // first offset
      const lengthAt = out.length;
      out.int32(0); // length, filled in below
      out.int32(0); // partition leader epoch
      out.int8(MAGIC_BYTE);
      const crcAt = out.length;
      out.int32(0); // CRC, filled in below
      const checkedFrom = out.length;
      out.int16(NO_COMPRESSION | (transactionalId ? TRANSACTIONAL_FLAG : 0));
      out.int32(messages.length - 1);
      out.int64(firstTimestamp);
      out.int64(maxTimestamp);
      out.int64(producerId);
      out.int16(producerEpoch);
      out.int32(firstSequence);
      out.int32(messages.length);
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i];
        out.record({
          offsetDelta: i,
          timestampDelta: ((message.timestamp || now) as number) - (firstTimestamp as number),
          key: message.key,
          value: message.value,
          headers: message.headers,
        });
      }
      const end = out.length;
      out.buffer.writeInt32BE(end - batchStart, recordSetSizeAt);
      out.buffer.writeInt32BE(end - lengthAt - 4, lengthAt);
      out.buffer.writeUInt32BE(crc32c(out.buffer.subarray(checkedFrom, end)), crcAt);
    }
  }
  return out.written();
}

function approximateSize({ key, value, headers }: Message): number {
  let size = byteEstimate(key) + byteEstimate(value);
  if (headers) {
    for (const name of Object.keys(headers)) {
      const entry = headers[name];
      size += 8 + name.length;
      if (Array.isArray(entry)) for (const each of entry) size += 8 + name.length + byteEstimate(each);
      else size += byteEstimate(entry as Buffer | string | null | undefined);
    }
  }
  return size;
}

const byteEstimate = (value: Buffer | string | null | undefined) =>
  value == null ? 0 : typeof value === 'string' ? value.length : ((value as Buffer).length ?? 0);

/** Hands in kafkajs's own request, for compressed batches. */
produceRequest.useKafkajsRequestFor = (request: ProduceRequest) => {
  kafkajsRequest = request;
};

export = produceRequest;
