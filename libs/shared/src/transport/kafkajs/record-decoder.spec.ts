import decodeRecord = require('./record-decoder');
import encodeRecord = require('./record-encoder');

// kafkajs's own modules (the unit project maps nothing; the Kafka project maps these to the drop-ins).
const kafkajsDecodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: object,
  context: object,
) => object;
const Decoder = require('kafkajs/src/protocol/decoder') as new (
  buffer: Buffer,
) => {
  readVarIntBytes(): Buffer;
};

/** A record's body as kafkajs's batch decoder hands it to the record decoder (length prefix read off). */
const body = (record: object) => new Decoder(encodeRecord(record).buffer).readVarIntBytes();

const contexts = {
  typical: {
    firstOffset: '41',
    firstTimestamp: '1764201600000',
    maxTimestamp: '1764201600000',
    magicByte: 2,
  },
  beyondDoubles: {
    firstOffset: '9007199254740993',
    firstTimestamp: '9007199254740995',
    maxTimestamp: '9007199254740999',
    magicByte: 2,
  },
  logAppendTime: { firstOffset: '7', firstTimestamp: '1', maxTimestamp: '1764201600123', timestampType: 1 },
  control: { firstOffset: '0', firstTimestamp: '0', isControlBatch: true, magicByte: 2 },
};

const records = {
  plain: { key: 'user-1', value: '{"a":1}' },
  nulls: { key: null, value: null, offsetDelta: 3 },
  deltas: { key: 'k', value: 'v', offsetDelta: 1_000_000, timestampDelta: 2 ** 27 },
  longDelta: { key: 'k', value: 'v', offsetDelta: 64, timestampDelta: 2 ** 40 + 5 },
  negativeDelta: { key: 'k', value: 'v', timestampDelta: -(2 ** 35) },
  headers: {
    key: 'ключ',
    value: Buffer.from([0, 1, 2]),
    headers: {
      'event-id': '0193f0c2-7a7e-7c4a-9e55-1f2b3c4d5e6f',
      'event-type': 'PasswordExpired',
      repeated: ['one', 'two', 'three'],
      twice: ['a', 'b'],
      ünïcode: 'wert',
    },
  },
};

describe('the record decoder drop-in for kafkajs', () => {
  for (const [contextName, context] of Object.entries(contexts)) {
    for (const [recordName, record] of Object.entries(records)) {
      it(`decodes a ${recordName} record of a ${contextName} batch as kafkajs does`, () => {
        const ours = decodeRecord(new Decoder(body(record)) as never, context) as Record<string, unknown>;
        const theirs = kafkajsDecodeRecord(new Decoder(body(record)), context) as Record<string, unknown>;
        expect(ours).toEqual(theirs);
        expect(Object.keys(ours.headers as object)).toEqual(Object.keys(theirs.headers as object));
        expect(Object.getPrototypeOf(ours.headers)).toBe(Object.prototype);
      });
    }
  }

  it('keeps a header named __proto__ as a header, not as the prototype (kafkajs reads Object.prototype there)', () => {
    const decoded = decodeRecord(
      new Decoder(body({ key: 'k', value: 'v', headers: { ['__proto__']: 'a header' } })) as never,
      contexts.typical,
    );
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded.headers, '__proto__')?.value).toEqual(
      Buffer.from('a header'),
    );
  });

  it('reads offsets past 2^53 exactly', () => {
    const decoded = decodeRecord(new Decoder(body({ key: 'k', value: 'v', offsetDelta: 2 })) as never, {
      firstOffset: '9007199254740993',
      firstTimestamp: '0',
    });
    expect(decoded.offset).toBe('9007199254740995');
  });
});
