/** Sleeps that end early when woken: how the delivery lanes and the sweeper stop or pick up work at once. */
export class WakeableSleep {
  private readonly sleepers = new Set<() => void>();

  /** Waits `ms` (for ever when not finite), or less if woken meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.sleepers.add(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}

/** An error as a log field: its name and message, never a stack or a payload. */
export function errorName(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
