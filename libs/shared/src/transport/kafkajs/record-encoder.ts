/**
 * A drop-in for kafkajs 2.2's record encoder (`kafkajs/src/protocol/recordBatch/record/v0`): Kafka's record
 * format v2 (magic 2), byte for byte what kafkajs writes, without its per-record garbage. kafkajs builds each
 * record from a new zero-filled 512-byte `Encoder` for the record and one for every header, a `Buffer.from` of an
 * array per varint, and 64-bit `Long` arithmetic for the timestamp delta; in a bulk fan-out (7 headers per
 * message) that was most of the relay's CPU. This writes the record into one reused scratch buffer and copies it
 * out once. `kafkajs-codec.ts` puts it in place of kafkajs's own.
 *
 * Record =>
 *   Length => Varint, Attributes => Int8, TimestampDelta => Varlong, OffsetDelta => Varint,
 *   Key => Varint length + bytes (-1 = null), Value => Varint length + bytes (-1 = null),
 *   Headers => Varint count + [Key => Varint length + UTF-8, Value => Varint length + bytes (-1 = null)]
 */

type Bytes = Buffer | string | null | undefined;

interface RecordInput {
  readonly offsetDelta?: number;
  readonly timestampDelta?: number;
  readonly key?: Bytes;
  readonly value?: Bytes;
  readonly headers?: Readonly<Record<string, Bytes | readonly Bytes[]>>;
}

/** What kafkajs's record batch reads from an encoded record: `buf` (checked to be a Buffer) and `buffer`. */
class EncodedRecord {
  constructor(readonly buf: Buffer) {}

  get buffer(): Buffer {
    return this.buf;
  }

  size(): number {
    return this.buf.length;
  }
}

/** Room left in front of the body for its length (a varint of a 32-bit value takes at most 5 bytes). */
const LENGTH_ROOM = 5;
let scratch = Buffer.allocUnsafe(64 * 1024);

function encodeRecord({
  offsetDelta = 0,
  timestampDelta = 0,
  key,
  value,
  headers,
}: RecordInput): EncodedRecord {
  let at = LENGTH_ROOM;
  ensure(at + 1 + 10 + 5);
  scratch[at++] = 0; // attributes: none are used per record
  at = writeVarLong(Number(timestampDelta), at);
  at = writeVarInt(offsetDelta, at);
  at = writeBytes(key, at);
  at = writeBytes(value, at);
  const names = headers ? Object.keys(headers) : [];
  let count = 0;
  for (const name of names) {
    const entry = (headers as Record<string, Bytes | readonly Bytes[]>)[name];
    count += Array.isArray(entry) ? entry.length : 1;
  }
  ensure(at + 5);
  at = writeVarInt(count, at);
  if (count > 0 && headers) {
    for (const name of names) {
      const entry = headers[name];
      if (Array.isArray(entry)) {
        for (const each of entry) at = writeBytes(each, writeBytes(name, at));
      } else {
        at = writeBytes(entry as Bytes, writeBytes(name, at));
      }
    }
  }
  const bodyLength = at - LENGTH_ROOM;
  const start = LENGTH_ROOM - varIntSize(bodyLength);
  writeVarInt(bodyLength, start);
  const record = Buffer.allocUnsafe(at - start);
  scratch.copy(record, 0, start, at);
  return new EncodedRecord(record);
}

function ensure(length: number): void {
  if (length <= scratch.length) return;
  const larger = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
  scratch.copy(larger);
  scratch = larger;
}

/** Zigzag, then 7 bits a byte, low bits first (Kafka's Varint; kafkajs's writeVarInt). */
function writeVarInt(value: number, at: number): number {
  let rest = (value << 1) ^ (value >> 31);
  while ((rest & 0xffffff80) !== 0) {
    scratch[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  scratch[at++] = rest & 0x7f;
  return at;
}

function varIntSize(value: number): number {
  let rest = (value << 1) ^ (value >> 31);
  let size = 1;
  while ((rest & 0xffffff80) !== 0) {
    size++;
    rest >>>= 7;
  }
  return size;
}

/** Zigzag over 64 bits, exact for every safe integer (Kafka's Varlong). */
function writeVarLong(value: number, at: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarInt(value, at);
  let rest = value >= 0 ? value * 2 : -value * 2 - 1;
  while (rest >= 0x80) {
    scratch[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  scratch[at++] = rest;
  return at;
}

/** Varint length (-1 for null) and the bytes: a Buffer as is, anything else as UTF-8 text, as kafkajs does. */
function writeBytes(value: Bytes, at: number): number {
  if (value === null || value === undefined) {
    ensure(at + 1);
    return writeVarInt(-1, at);
  }
  if (Buffer.isBuffer(value)) {
    ensure(at + 5 + value.length);
    at = writeVarInt(value.length, at);
    value.copy(scratch, at);
    return at + value.length;
  }
  const text = typeof value === 'string' ? value : String(value);
  // UTF-8 takes at least one byte per UTF-16 unit and at most three: write the text after the room its length
  // would take if it were ASCII, then move it if the varint of its real length is longer.
  const guess = varIntSize(text.length);
  ensure(at + 5 + text.length * 3);
  const written = scratch.write(text, at + guess, 'utf8');
  const size = varIntSize(written);
  if (size !== guess) scratch.copyWithin(at + size, at + guess, at + guess + written);
  at = writeVarInt(written, at);
  return at + written;
}

export = encodeRecord;
