import { Client } from 'pg';
import { EVENTS_CHANNEL } from '../event-store/event-store';

/**
 * One LISTEN connection per database that wakes every log reader when an append commits. Readers also
 * poll, so a lost connection or notification only adds latency, never loses events.
 */
export class LogNotifications {
  private client: Client | null = null;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(private readonly connectionString: string) {}

  async start(): Promise<void> {
    if (this.client || this.closed) return;
    const client = new Client({ connectionString: this.connectionString, application_name: 'lapse-listen' });
    client.on('notification', () => this.wakeAll());
    client.on('error', () => this.reconnectLater());
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private wakeAll(): void {
    for (const listener of this.listeners) listener();
  }

  private reconnectLater(): void {
    const broken = this.client;
    this.client = null;
    broken?.end().catch(() => undefined);
    if (this.closed) return;
    setTimeout(() => this.start().catch(() => this.reconnectLater()), 1000).unref();
  }
}
