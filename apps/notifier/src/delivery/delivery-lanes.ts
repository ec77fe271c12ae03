import type { Logger } from '@lapse/shared';
import { errorName, WakeableSleep } from './wakeable-sleep';

export interface DeliveryLanesOptions {
  readonly concurrency: number;
  readonly pollMs: number;
  readonly logger: Logger;
  /** Claims and handles the next due job; false when none could be claimed. */
  readonly processNext: () => Promise<boolean>;
  /** Whether any job is due (one cheap query, no transaction). */
  readonly anyDue: () => Promise<boolean>;
}

/**
 * `concurrency` lanes, each claiming and handling one job after another. One idle lane at a time is the
 * lookout: every `pollMs` it asks whether anything is due (one indexed query, no transaction) and, when
 * something is, wakes the idle lanes; each lane works until nothing is left, then the first one idle
 * becomes the lookout again and the others wait to be woken. An idle notifier so makes a few cheap
 * queries a second, not a claim per lane.
 */
export class DeliveryLanes {
  private running = false;
  private lanes: Promise<void>[] = [];
  private readonly naps = new WakeableSleep();
  /** Lanes waiting for the lookout to find work. */
  private readonly idleLanes = new WakeableSleep();
  private lookout = false;

  constructor(private readonly options: DeliveryLanesOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lanes = Array.from({ length: this.options.concurrency }, (_, lane) => this.runLane(lane));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.naps.wakeAll();
    this.idleLanes.wakeAll();
    await Promise.all(this.lanes);
    this.lanes = [];
  }

  private async runLane(lane: number): Promise<void> {
    // Woken for a due job this lane then could not claim (another lane holds it): wait a poll before
    // asking again, or the lookout would ask, wake and find nothing in a loop until that lane lets go.
    let claimedNothing = false;
    while (this.running) {
      let worked = false;
      try {
        worked = await this.options.processNext();
      } catch (error) {
        this.options.logger.error({ lane, err: errorName(error) }, 'delivery lane failed; will retry');
      }
      if (worked || !this.running) {
        claimedNothing = false;
        continue;
      }
      if (this.lookout) {
        await this.idle(Number.POSITIVE_INFINITY, this.idleLanes);
        continue;
      }
      this.lookout = true;
      try {
        if (claimedNothing) await this.idle(this.options.pollMs);
        while (this.running && !(await this.due())) await this.idle(this.options.pollMs);
      } finally {
        this.lookout = false;
      }
      claimedNothing = true;
      this.idleLanes.wakeAll();
    }
  }

  private async due(): Promise<boolean> {
    try {
      return await this.options.anyDue();
    } catch (error) {
      this.options.logger.error({ err: errorName(error) }, 'delivery poll failed; will retry');
      return false;
    }
  }

  /** Waits `ms`, or less if the lanes are stopped (or, for idle lanes, woken) meanwhile. */
  private idle(ms: number, sleep = this.naps): Promise<void> {
    if (!this.running) return Promise.resolve();
    return sleep.sleep(ms);
  }
}
