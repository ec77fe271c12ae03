import { randomBytes } from 'node:crypto';
import { KAFKAJS_DROP_INS } from './install';
import produceRequest = require('./produce-request');

// kafkajs's own modules (the unit project resolves nothing to the drop-ins; the Kafka project does).
type Request = (input: object) => {
  apiVersion: number;
  expectResponse(): boolean;
  encode(): Promise<{ buffer: Buffer }>;
};
const kafkajsRequest = require('kafkajs/src/protocol/requests/produce/v3/request') as Request;
const Long = require('kafkajs/src/utils/long') as {
  fromInt(n: number): unknown;
  fromValue(v: string): unknown;
};

const headers = (i: number) => ({
  'event-id': `0193f0c2-7a7e-7c4a-9e55-${String(i).padStart(12, '0')}`,
  'event-type': 'PasswordExpired',
  'schema-version': '1',
  'correlation-id': 'c0ffee',
  actor: 'ädmin',
});
const messages = (
  n: number,
  value = (i: number) => JSON.stringify({ userId: `u-${i}`, reason: 'Ü'.repeat(i % 90) }),
) => Array.from({ length: n }, (_, i) => ({ key: `user-${i}`, value: value(i), headers: headers(i) }));

const cases: Record<string, object> = {
  'one topic, one partition': {
    acks: -1,
    timeout: 30000,
    topicData: [{ topic: 'lapse.directory.users', partitions: [{ partition: 0, messages: messages(3) }] }],
  },
  'several topics and partitions, 2,000 messages': {
    acks: -1,
    timeout: 30000,
    topicData: [
      {
        topic: 'lapse.directory.users',
        partitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, messages: messages(330) })),
      },
      {
        topic: 'lapse.directory.credentials',
        partitions: [{ partition: 2, messages: messages(20, () => randomBytes(500).toString('base64')) }],
      },
    ],
  },
  'Buffers, nulls, repeated headers, message timestamps': {
    acks: 1,
    timeout: 1000,
    topicData: [
      {
        topic: 'tópico',
        partitions: [
          {
            partition: 7,
            messages: [
              { key: null, value: null, timestamp: '1764201600005' },
              {
                key: Buffer.from([1, 2, 3]),
                value: randomBytes(70_000),
                headers: { many: ['a', 'b'], raw: Buffer.from('x') },
                timestamp: '1764201600001',
              },
              { key: 'k', value: 'v' },
            ],
          },
        ],
      },
    ],
  },
  'a transactional, idempotent producer': {
    acks: -1,
    timeout: 5000,
    transactionalId: 'tx-1',
    producerId: Long.fromValue('4611686018427387904'),
    producerEpoch: 3,
    topicData: [{ topic: 't', partitions: [{ partition: 1, firstSequence: 42, messages: messages(5) }] }],
  },
  'no messages': {
    acks: 0,
    timeout: 100,
    topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [] }] }],
  },
};

describe('the Produce v3 request drop-in for kafkajs', () => {
  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1764201600000));
  afterEach(() => jest.restoreAllMocks());

  it.each(Object.entries(cases))('writes %s byte for byte as kafkajs does', async (_, input) => {
    const ours = produceRequest(input as never);
    const theirs = kafkajsRequest({ producerId: Long.fromInt(-1), ...input });
    expect(((await ours.encode()) as { buffer: Buffer }).buffer.equals((await theirs.encode()).buffer)).toBe(
      true,
    );
    expect(ours.apiVersion).toBe(theirs.apiVersion);
    expect(ours.expectResponse()).toBe(theirs.expectResponse());
  });

  it('leaves compressed batches to kafkajs own request', async () => {
    produceRequest.useKafkajsRequestFor(kafkajsRequest as never);
    const compressed = { ...(cases['one topic, one partition'] as object), compression: 1 };
    const ours = await produceRequest(compressed as never).encode();
    const theirs = await kafkajsRequest(compressed).encode();
    expect((ours as { buffer: Buffer }).buffer.equals(theirs.buffer)).toBe(true);
  });
});

describe('the drop-in lists', () => {
  it('are the same for Node (install.ts) and for jest (the Kafka project resolver)', () => {
    const { DROP_INS } = require('../../testing/kafkajs-drop-ins.resolver.js') as {
      DROP_INS: Record<string, string>;
    };
    expect(Object.keys(DROP_INS).sort()).toEqual(KAFKAJS_DROP_INS.map(([file]) => file).sort());
  });
});
