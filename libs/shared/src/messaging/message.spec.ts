import type { RecordedEvent } from '../event-sourcing/event';
import {
  combinePublications,
  headersOf,
  type OutboundMessage,
  type Publication,
  publishAll,
} from './message';

function recorded(streamId: string, type: string, version = 1): RecordedEvent {
  return {
    streamId,
    version,
    globalPosition: String(version),
    transactionId: '1',
    type,
    schemaVersion: 1,
    data: {},
    metadata: {
      eventId: `${streamId}-${version}`,
      correlationId: 'c',
      causationId: null,
      actor: 'test',
      occurredAt: '2026-12-08T00:00:00.000Z',
    },
    recordedAt: '2026-12-08T00:00:00.000Z',
  };
}

function to(topic: string): Publication {
  return (event) => [
    { topic, key: event.streamId, headers: headersOf(event), payload: { type: event.type } },
  ];
}

const topics = (messages: readonly OutboundMessage[]) => messages.map((m) => `${m.topic}:${m.key}`);

describe('combinePublications', () => {
  it("gives each module's messages in the order the modules were combined", () => {
    const both = combinePublications([to('users'), () => [], to('audit')]);
    expect(topics(both(recorded('user-1', 'UserCreated')))).toEqual(['users:user-1', 'audit:user-1']);
  });

  it('gives nothing for an event no module publishes, and never changes what a module returned', () => {
    const shared: OutboundMessage[] = [];
    const none = combinePublications([() => shared, () => shared]);
    expect(none(recorded('user-1', 'Private'))).toEqual([]);
    const some = combinePublications([() => shared, to('users')]);
    expect(topics(some(recorded('user-2', 'UserCreated')))).toEqual(['users:user-2']);
    expect(shared).toEqual([]);
  });
});

describe('publishAll', () => {
  it("gives every event's messages, event after event, each event's in its own order", () => {
    const twoTopics = combinePublications([to('users'), to('credentials')]);
    const events = [recorded('user-1', 'A'), recorded('user-2', 'B', 2), recorded('user-3', 'C', 3)];
    expect(topics(publishAll(events, twoTopics))).toEqual([
      'users:user-1',
      'credentials:user-1',
      'users:user-2',
      'credentials:user-2',
      'users:user-3',
      'credentials:user-3',
    ]);
    expect(publishAll(events, () => [])).toEqual([]);
    expect(publishAll([], twoTopics)).toEqual([]);
  });
});
