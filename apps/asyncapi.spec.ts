import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AsyncAPIDocumentInterface, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { DIRECTORY_EVENT_TYPES } from '@lapse/shared/contracts/directory.v1';
import { IDENTITY_EVENT_TYPES } from '@lapse/shared/contracts/identity.v1';
import { NOTIFIER_EVENT_TYPES } from '@lapse/shared/contracts/notifier.v1';
import { publishedContracts } from '@lapse/shared/contracts/registry';
import type { DeadLetter } from '@lapse/shared/messaging/dead-letter';
import type { MessageHeaders } from '@lapse/shared/messaging/message';
import { kafkaDeadLetterSink } from '@lapse/shared/transport/kafka-dead-letter-sink';
import { stringHeaders } from '@lapse/shared/transport/kafka-message-headers';
import type { KafkaProducer } from '@lapse/shared/transport/kafka-producer';
import { DEAD_LETTER_TOPIC } from '@lapse/shared/transport/kafka-topic-admin';
import { directoryManifest } from './directory/src/directory.manifest';
import { identityManifest } from './identity/src/identity.manifest';
import { notifierManifest } from './notifier/src/notifier.manifest';

const DOCUMENT = join(__dirname, '../docs/asyncapi.yaml');

const PUBLISHED = [
  { manifest: directoryManifest, types: Object.values(DIRECTORY_EVENT_TYPES) },
  { manifest: identityManifest, types: Object.values(IDENTITY_EVENT_TYPES) },
  { manifest: notifierManifest, types: Object.values(NOTIFIER_EVENT_TYPES) },
];

/** Every header the Kafka transport writes, each filled in. */
const FULL_HEADERS: MessageHeaders = {
  eventId: 'e1',
  eventType: 'UserCreated',
  schemaVersion: 1,
  correlationId: 'c1',
  causationId: 'e0',
  actor: 'system',
  occurredAt: '2026-01-01T00:00:00.000Z',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

let document: AsyncAPIDocumentInterface;

beforeAll(async () => {
  const { document: parsed, diagnostics } = await new Parser().parse(await readFile(DOCUMENT, 'utf8'));
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error);
  expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
  if (!parsed) throw new Error('docs/asyncapi.yaml did not parse');
  document = parsed;
});

function channelAt(address: string) {
  return document
    .channels()
    .all()
    .find((channel) => channel.address() === address);
}

function messageNames(channel: ReturnType<typeof channelAt>): string[] {
  return (
    channel
      ?.messages()
      .all()
      .map((message) => message.name() ?? message.id()) ?? []
  );
}

function headerNames(channel: ReturnType<typeof channelAt>, message: string): string[] {
  const found = channel
    ?.messages()
    .all()
    .find((candidate) => candidate.name() === message);
  return Object.keys(found?.headers()?.properties() ?? {}).sort();
}

describe('docs/asyncapi.yaml against what the code sends', () => {
  it('documents every topic a service publishes, with every event type it publishes there', () => {
    const problems: string[] = [];
    for (const { manifest, types } of PUBLISHED) {
      const channels = manifest.publishedTopics.map((topic) => ({ topic, channel: channelAt(topic) }));
      for (const { topic, channel } of channels) {
        if (!channel) problems.push(`${manifest.name} publishes ${topic}: no channel`);
        const sent = document
          .operations()
          .all()
          .filter((operation) => operation.action() === 'send')
          .some((operation) =>
            operation
              .channels()
              .all()
              .some((each) => each.address() === topic),
          );
        if (!sent) problems.push(`${topic}: no send operation`);
      }
      for (const type of types) {
        if (!channels.some(({ channel }) => messageNames(channel).includes(type)))
          problems.push(`${manifest.name}'s ${type}: on none of its topics in the document`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents the versions consumers accept, and nothing the code does not publish', () => {
    const registry = publishedContracts();
    const published = new Set<string>(PUBLISHED.flatMap(({ types }) => types));
    const documented = document
      .allMessages()
      .all()
      .map((message) => message.name() as string)
      .filter((name) => name !== 'DeadLetter');
    for (const name of documented) {
      // Known at version 1 to the consumers' registry (whether `{}` passes its payload check is not asked).
      const known = !/^UNKNOWN/.test(registry.problemWith(name, 1, {}) ?? '');
      expect({ name, published: published.has(name), known }).toEqual({ name, published: true, known: true });
    }
    for (const message of document.allMessages().all()) {
      if (message.name() !== 'DeadLetter') expect(message.title()).toBe(`${message.name()} v1`);
    }
  });

  it('names the headers exactly as the Kafka transport writes them', () => {
    const written = Object.keys(stringHeaders(FULL_HEADERS)).sort();
    expect(written).toEqual([
      'actor',
      'causation-id',
      'correlation-id',
      'event-id',
      'event-type',
      'occurred-at',
      'schema-version',
      'traceparent',
    ]);
    for (const message of document.allMessages().all()) {
      if (message.name() === 'DeadLetter') continue;
      expect({
        message: message.name(),
        headers: Object.keys(message.headers()?.properties() ?? {}).sort(),
      }).toEqual({ message: message.name(), headers: written });
    }
  });

  it('documents the dead-letter topic with the headers a parked message carries', async () => {
    const sent: { topic: string; headers: string[] }[] = [];
    const producer = {
      send: async (topic: string, records: { headers?: Record<string, string> }[]) => {
        for (const record of records) sent.push({ topic, headers: Object.keys(record.headers ?? {}).sort() });
      },
    } as unknown as KafkaProducer;
    const letter: DeadLetter = {
      consumer: 'identity.credential-projection',
      reason: 'no handler could apply it',
      attempts: 3,
      message: {
        topic: 'lapse.directory.users.v1',
        key: 'u1',
        headers: FULL_HEADERS,
        payload: {},
        source: { kind: 'kafka', partition: 0, offset: '0' },
      },
    };
    await kafkaDeadLetterSink(producer).parked?.([letter]);
    const channel = channelAt(DEAD_LETTER_TOPIC);
    expect(messageNames(channel)).toEqual(['DeadLetter']);
    expect(sent).toEqual([{ topic: DEAD_LETTER_TOPIC, headers: headerNames(channel, 'DeadLetter') }]);
  });

  it('documents a receive operation for every consumer group, on channels the code publishes', () => {
    const receives = document
      .operations()
      .all()
      .filter((operation) => operation.action() === 'receive')
      .map((operation) => ({
        group: (operation.bindings().get('kafka')?.value() as { groupId?: { enum?: string[] } })?.groupId
          ?.enum?.[0],
        topics: operation
          .channels()
          .all()
          .map((channel) => channel.address()),
        messages: operation
          .messages()
          .all()
          .map((message) => message.name()),
      }));
    expect(receives.map(({ group }) => group).sort()).toEqual([
      'directory.identity-sessions',
      'directory.temp-password-deliveries',
      'identity.credential-projection',
      'identity.credential-projection',
      'notifier.contacts',
      'notifier.deliveries',
    ]);
    const published = new Set(PUBLISHED.flatMap(({ manifest }) => manifest.publishedTopics));
    for (const { topics, messages } of receives) {
      expect(topics.every((topic) => published.has(topic as string))).toBe(true);
      expect(messages.length).toBeGreaterThan(0);
    }
  });
});
