import type { LogPosition } from '../event-sourcing/event';

/** Orders two log positions as the log is read: by transaction id, then by global position. */
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  const byTransaction = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  const byPosition = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return byPosition === 0n ? 0 : byPosition < 0n ? -1 : 1;
}

/**
 * How far the log has been published by this process's relays (each: the position Kafka acknowledged
 * everything up to, or where it resumed), and who waits for a position to be published. The embedded
 * transport keeps one for its consumers the same way (each: the position it has taken the log up to).
 */
export class PublicationProgress {
  private readonly relays = new Map<string, LogPosition | null>();
  private readonly waiters = new Set<() => void>();

  started(relay: string): void {
    this.relays.set(relay, null);
  }

  stopped(relay: string): void {
    this.relays.delete(relay);
    this.notify();
  }

  /** `relay` has published everything up to `position`. */
  reached(relay: string, position: LogPosition): void {
    this.relays.set(relay, position);
    this.notify();
  }

  /** True when every relay has published `position` (also when there is no relay). */
  published(position: LogPosition): boolean {
    for (const reached of this.relays.values())
      if (reached === null || compareLogPositions(reached, position) < 0) return false;
    return true;
  }

  /** Resolves true once `position` is published, false after `timeoutMs` if it is not by then. */
  whenPublished(position: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.published(position)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (published: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(published);
      };
      const check = () => {
        if (this.published(position)) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }
}
