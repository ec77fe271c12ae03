import { Injectable } from '@nestjs/common';
import type { CredentialStateChangedV1 } from '@lapse/shared';
import { DirectoryClient } from './directory.client';

/** Calls to directory under way at once; the sign-ins that arrive meanwhile wait for the next call. */
const MAX_IN_FLIGHT = 2;
/** Users per call (directory's limit is 1,000). */
const MAX_BATCH = 500;

interface Waiting {
  readonly userId: string;
  resolve(state: CredentialStateChangedV1 | null): void;
  reject(error: unknown): void;
}

/**
 * The credential states the sign-in gate asks directory for when its projection may be behind, gathered
 * into few calls (the DataLoader pattern, written out because it is twenty lines): while `MAX_IN_FLIGHT`
 * calls are under way, every further request waits and goes out with the others in the next call. A burst
 * of sign-ins during a bulk fan-out — when the projection is legitimately seconds behind and every sign-in
 * must be confirmed — costs directory a few calls a second rather than one per sign-in, so it keeps
 * answering within the gate's timeout instead of failing every sign-in closed. Each request still gets
 * directory's answer from after it was made; a failed call fails each of its requests.
 */
@Injectable()
export class CredentialConfirmations {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly directory: DirectoryClient) {}

  /** The user's current credential at directory, or null when directory does not know the user. */
  state(userId: string): Promise<CredentialStateChangedV1 | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ userId, resolve, reject });
      this.send();
    });
  }

  private send(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.inFlight += 1;
      this.directory
        .credentialStates([...new Set(batch.map((waiting) => waiting.userId))])
        .then(
          (states) => {
            const byUser = new Map(states.map((state) => [state.userId, state]));
            for (const waiting of batch) waiting.resolve(byUser.get(waiting.userId) ?? null);
          },
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(error);
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          this.send();
        });
    }
  }
}
