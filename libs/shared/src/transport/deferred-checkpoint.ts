/** How long a reader may leave the position of events it had nothing to do with unrecorded. */
export const DEFERRED_CHECKPOINT_MS = 1000;

/**
 * The checkpoint of a log reader for batches it had nothing to do with (events of other topics, or of types
 * it has no handler for), written at most once per `delayMs` instead of once per batch.
 *
 * Why: every append wakes every reader of the log (seven in the all-in-one process), and most of them want
 * none of a given event; a checkpoint per batch was a commit (a WAL flush) per reader per append, which under
 * a stream of sign-ins kept PostgreSQL and the two cores busy and delayed the reader that did want the event.
 * Recording such a position late is safe: after a restart the reader reads those events again and again has
 * nothing to do with them.
 *
 * Writes never go backwards: a batch with effects (whose checkpoint commits with them) first calls
 * `supersede()` and awaits `settled()`, so a deferred write still in flight lands before the newer one.
 */
export class DeferredCheckpoint {
  private pending: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (position: string) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = DEFERRED_CHECKPOINT_MS,
  ) {}

  /** The reader got past `position` with nothing to do: record it within `delayMs`. */
  note(position: string): void {
    this.pending = position;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** A checkpoint written with effects replaces what is pending. */
  supersede(): void {
    this.pending = null;
    this.cancelTimer();
  }

  /** Resolves once no deferred write is in flight. */
  settled(): Promise<void> {
    return this.writing;
  }

  /** Writes what is pending now (on a timer, and when the reader stops). */
  flush(): Promise<void> {
    this.cancelTimer();
    const position = this.pending;
    this.pending = null;
    if (position === null) return this.writing;
    this.writing = this.writing.then(() => this.write(position)).catch(this.onError);
    return this.writing;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
