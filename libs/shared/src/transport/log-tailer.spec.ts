import type { LogPosition, RecordedEvent } from '../event-sourcing/event';
import type { PostgresEventStore } from '../event-store/event-store';
import type { LogNotifications } from './log-notifications';
import { LogTailer } from './log-tailer';

const START: LogPosition = { transactionId: '0', globalPosition: '0' };

function recorded(position: number): RecordedEvent {
  return {
    streamId: 's',
    version: position,
    globalPosition: String(position),
    transactionId: String(position),
    type: 'Happened',
    schemaVersion: 1,
    data: {},
    metadata: {
      eventId: `e${position}`,
      correlationId: 'c',
      causationId: null,
      actor: 'system',
      occurredAt: '',
    },
    recordedAt: '',
  };
}

describe('the log tailer', () => {
  it('reads again at once when an append is signalled during its held-back check, not after the poll', async () => {
    let appended: () => void = () => undefined;
    const notifications = {
      onAppend(listener: () => void) {
        appended = listener;
        return () => undefined;
      },
    } as unknown as LogNotifications;
    const log: RecordedEvent[] = [];
    let delivered: (events: RecordedEvent[]) => void = () => undefined;
    const second = new Promise<RecordedEvent[]>((resolve) => {
      delivered = resolve;
    });
    const store = {
      async readAll(after: LogPosition) {
        return log.filter((event) => Number(event.globalPosition) > Number(after.globalPosition));
      },
      async unreadAfter() {
        // An append commits, and its notification arrives, while the tailer asks what is left to read, in a
        // snapshot taken just before the commit.
        if (log.length === 0) {
          log.push(recorded(1));
          appended();
        }
        return 'none';
      },
    } as unknown as PostgresEventStore;
    const tailer = new LogTailer({
      name: 'spec',
      store,
      notifications,
      loadPosition: async () => START,
      deliver: async (events) => delivered(events),
      // Far longer than the test's timeout: reaching the event only by polling fails the test.
      pollIntervalMs: 60_000,
    });
    tailer.start();
    expect((await second).map((event) => event.globalPosition)).toEqual(['1']);
    await tailer.stop();
  });
  it('reads again at once when what held an append back has ended since it read, though nothing notified', async () => {
    const log: RecordedEvent[] = [recorded(1)];
    let reads = 0;
    let delivered: (events: RecordedEvent[]) => void = () => undefined;
    const first = new Promise<RecordedEvent[]>((resolve) => {
      delivered = resolve;
    });
    const store = {
      // The first read is held back by an older open transaction; that transaction then ends (no notification).
      async readAll() {
        reads++;
        return reads === 1 ? [] : log;
      },
      async unreadAfter() {
        return reads === 1 ? 'readable' : 'none';
      },
    } as unknown as PostgresEventStore;
    const tailer = new LogTailer({
      name: 'spec',
      store,
      notifications: { onAppend: () => () => undefined } as unknown as LogNotifications,
      loadPosition: async () => START,
      deliver: async (events) => delivered(events),
      pollIntervalMs: 60_000,
    });
    tailer.start();
    expect((await first).map((event) => event.globalPosition)).toEqual(['1']);
    await tailer.stop();
  });
});
