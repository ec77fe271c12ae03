import { Injectable } from '@nestjs/common';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly details?: Record<string, unknown>;
}

export type ReadinessCheck = () => Promise<ReadinessReport>;

/** Modules add what readiness means to them (database reachable, projection caught up, …). */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks];
  }
}
