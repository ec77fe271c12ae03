/**
 * A growable big-endian byte writer for the Kafka protocol drop-ins (`record-encoder.ts`,
 * `produce-request.ts`): Kafka's fixed-width integers, zigzag varints and varlongs, length-prefixed strings and
 * bytes, and record format v2 records, written in place without the per-field allocations kafkajs's `Encoder`
 * makes. Memory past `length` is never read, so it is allocated without zero-filling.
 */
export type Bytes = Buffer | string | null | undefined;

export interface RecordInput {
  readonly offsetDelta?: number;
  readonly timestampDelta?: number;
  readonly key?: Bytes;
  readonly value?: Bytes;
  readonly headers?: Readonly<Record<string, Bytes | readonly Bytes[]>>;
}

/**
 * Bytes in the shape kafkajs's `Encoder` consumers read: `buf` (checked to be a Buffer), `buffer` and `size()`.
 * What the drop-ins hand back to kafkajs (an encoded record, an encoded request).
 */
export class EncodedBytes {
  constructor(readonly buf: Buffer) {}

  get buffer(): Buffer {
    return this.buf;
  }

  size(): number {
    return this.buf.length;
  }
}

/** Room left in front of a record's body for its length (a varint of a 32-bit value takes at most 5 bytes). */
const LENGTH_ROOM = 5;

export class ByteWriter {
  buffer: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 64));
  }

  /** The bytes written so far (a view, not a copy). */
  written(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(larger, 0, 0, this.length);
    this.buffer = larger;
  }

  int8(value: number): void {
    this.reserve(1);
    this.buffer.writeInt8(value, this.length);
    this.length += 1;
  }

  int16(value: number): void {
    this.reserve(2);
    this.buffer.writeInt16BE(value, this.length);
    this.length += 2;
  }

  int32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
  }

  /** A 64-bit integer given as a number, a decimal string, a bigint or anything whose toString() is decimal. */
  int64(value: unknown): void {
    this.reserve(8);
    this.buffer.writeBigInt64BE(BigInt.asIntN(64, BigInt(String(value))), this.length);
    this.length += 8;
  }

  /** Kafka's STRING / NULLABLE_STRING: int16 UTF-8 length (-1 for null), then the bytes. */
  string(value: string | null | undefined): void {
    if (value === null || value === undefined) {
      this.int16(-1);
      return;
    }
    this.reserve(2 + value.length * 3);
    const written = this.buffer.write(value, this.length + 2, 'utf8');
    this.buffer.writeInt16BE(written, this.length);
    this.length += 2 + written;
  }

  /** Zigzag, then 7 bits a byte, low bits first (Kafka's Varint; kafkajs's writeVarInt). */
  varInt(value: number): void {
    this.reserve(5);
    let rest = (value << 1) ^ (value >> 31);
    while ((rest & 0xffffff80) !== 0) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.length++] = rest & 0x7f;
  }

  /** Zigzag over 64 bits, exact for every safe integer (Kafka's Varlong). */
  varLong(value: number): void {
    if (value >= -0x40000000 && value < 0x40000000) {
      this.varInt(value);
      return;
    }
    this.reserve(10);
    let rest = value >= 0 ? value * 2 : -value * 2 - 1;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
  }

  /** Varint length (-1 for null) and the bytes: a Buffer as is, anything else as UTF-8 text, as kafkajs does. */
  varBytes(value: Bytes): void {
    if (value === null || value === undefined) {
      this.varInt(-1);
      return;
    }
    if (Buffer.isBuffer(value)) {
      this.varInt(value.length);
      this.reserve(value.length);
      value.copy(this.buffer, this.length);
      this.length += value.length;
      return;
    }
    const text = typeof value === 'string' ? value : String(value);
    // UTF-8 takes at least one byte per UTF-16 unit and at most three: write the text after the room its length
    // would take if it were ASCII, then move it if the varint of its real length is longer.
    const guess = varIntSize(text.length);
    this.reserve(5 + text.length * 3);
    const at = this.length;
    const written = this.buffer.write(text, at + guess, 'utf8');
    const size = varIntSize(written);
    if (size !== guess) this.buffer.copyWithin(at + size, at + guess, at + guess + written);
    this.varInt(written);
    this.length += written;
  }

  /**
   * One record of format v2 (what kafkajs's `recordBatch/record/v0` encodes):
   *   Length => Varint, Attributes => Int8, TimestampDelta => Varlong, OffsetDelta => Varint,
   *   Key => Varint length + bytes (-1 = null), Value => Varint length + bytes (-1 = null),
   *   Headers => Varint count + [Key => Varint length + UTF-8, Value => Varint length + bytes (-1 = null)]
   * A header given as an array is written once per element, in order.
   */
  record({ offsetDelta = 0, timestampDelta = 0, key, value, headers }: RecordInput): void {
    const start = this.length;
    this.reserve(LENGTH_ROOM);
    this.length += LENGTH_ROOM;
    this.int8(0); // attributes: none are used per record
    this.varLong(Number(timestampDelta));
    this.varInt(offsetDelta);
    this.varBytes(key);
    this.varBytes(value);
    const names = headers ? Object.keys(headers) : [];
    let count = 0;
    for (const name of names) {
      const entry = (headers as Record<string, Bytes | readonly Bytes[]>)[name];
      count += Array.isArray(entry) ? entry.length : 1;
    }
    this.varInt(count);
    if (count > 0 && headers) {
      for (const name of names) {
        const entry = headers[name];
        const values: readonly Bytes[] = Array.isArray(entry) ? entry : [entry as Bytes];
        for (const each of values) {
          this.varBytes(name);
          this.varBytes(each);
        }
      }
    }
    // Move the body next to its length, now that the length is known.
    const bodyStart = start + LENGTH_ROOM;
    const bodyLength = this.length - bodyStart;
    const lengthSize = varIntSize(bodyLength);
    this.length = start;
    this.varInt(bodyLength);
    if (lengthSize !== LENGTH_ROOM)
      this.buffer.copyWithin(start + lengthSize, bodyStart, bodyStart + bodyLength);
    this.length = start + lengthSize + bodyLength;
  }
}

export function varIntSize(value: number): number {
  let rest = (value << 1) ^ (value >> 31);
  let size = 1;
  while ((rest & 0xffffff80) !== 0) {
    size++;
    rest >>>= 7;
  }
  return size;
}
