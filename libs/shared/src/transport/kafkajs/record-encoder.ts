import { ByteWriter, EncodedBytes, type RecordInput } from './byte-writer';

/**
 * A drop-in for kafkajs 2.2's record encoder (`kafkajs/src/protocol/recordBatch/record/v0`): Kafka's record
 * format v2 (magic 2), byte for byte what kafkajs writes, without its per-record garbage. kafkajs builds each
 * record from a new zero-filled 512-byte `Encoder` for the record and one for every header, a `Buffer.from` of an
 * array per varint, and 64-bit `Long` arithmetic for the timestamp delta; in a bulk fan-out (7 headers per
 * message) that was most of the relay's CPU. This writes the record into one reused scratch buffer and copies it
 * out once. `install.ts` puts it in place of kafkajs's own (the relay's produce requests are written whole by
 * `produce-request.ts`; this serves any other use of the module).
 */

const scratch = new ByteWriter(64 * 1024);

function encodeRecord(input: RecordInput): EncodedBytes {
  scratch.length = 0;
  scratch.record(input);
  return new EncodedBytes(Buffer.from(scratch.written()));
}

export = encodeRecord;
