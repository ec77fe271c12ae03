import { randomBytes } from 'node:crypto';
import crc32c = require('./crc32c');
import encodeRecord = require('./record-encoder');

// kafkajs's own modules (the unit project maps nothing; the Kafka project maps these to the drop-ins).
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: object) => {
  buffer: Buffer;
};
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (data: Buffer) => number;

const texts = [
  '',
  'a',
  'x'.repeat(63),
  'x'.repeat(64),
  'é'.repeat(32),
  `${'ü'.repeat(31)}x`,
  '€'.repeat(22),
  'x'.repeat(8191),
  'x'.repeat(8192),
  '😀 emoji and ascii',
  JSON.stringify({ userId: 'c1b2', login: 'ana@example.com', cause: 'BULK', reason: 'Quartalswechsel — Ü' }),
];

const records: object[] = [
  {},
  { key: null, value: null },
  { key: 'user-1', value: 'v' },
  { key: Buffer.from([0, 1, 2, 255]), value: randomBytes(300) },
  { key: 'k', value: 'v', offsetDelta: 63 },
  { key: 'k', value: 'v', offsetDelta: 64 },
  { key: 'k', value: 'v', offsetDelta: 1_000_000 },
  { key: 'k', value: 'v', timestampDelta: -1 },
  { key: 'k', value: 'v', timestampDelta: 2 ** 31 },
  { key: 'k', value: 'v', timestampDelta: 2 ** 40 + 3 },
  { key: 'k', value: 'v', timestampDelta: -(2 ** 40) },
  ...texts.map((text, i) => ({ key: text, value: text, offsetDelta: i })),
  { key: 'k', value: 'v', headers: {} },
  {
    key: 'user-2',
    value: texts[10],
    headers: {
      'event-id': '0193f0c2-7a7e-7c4a-9e55-1f2b3c4d5e6f',
      'event-type': 'PasswordExpired',
      'schema-version': '1',
      actor: 'ädmin',
      raw: Buffer.from([9, 8, 7]),
      many: ['one', Buffer.from('two'), 'x'.repeat(200)],
      none: [],
      ключ: 'значение',
    },
  },
];

describe('the record encoder drop-in for kafkajs', () => {
  it.each(records.map((record, i) => [i, record]))(
    'writes record %i byte for byte as kafkajs does',
    (_, record) => {
      expect(encodeRecord(record).buffer.equals(kafkajsRecord(record).buffer)).toBe(true);
    },
  );

  it('gives each record its own bytes, which later records do not overwrite', () => {
    const first = encodeRecord({ key: 'a', value: 'first value' });
    const copy = Buffer.from(first.buffer);
    encodeRecord({ key: 'b', value: 'x'.repeat(100_000) }); // grows the scratch buffer too
    expect(first.buffer.equals(copy)).toBe(true);
    expect(first.buf).toBe(first.buffer);
    expect(first.size()).toBe(copy.length);
  });
});

describe('the CRC-32C drop-in for kafkajs', () => {
  it('answers what kafkajs answers for every length around its eight-byte steps', () => {
    for (let length = 0; length <= 70; length++) {
      const data = randomBytes(length);
      expect(crc32c(data)).toBe(kafkajsCrc32c(data));
    }
    const large = randomBytes(1 << 20);
    expect(crc32c(large)).toBe(kafkajsCrc32c(large));
  });

  it('matches the CRC-32C check value of RFC 3720', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
  });
});
