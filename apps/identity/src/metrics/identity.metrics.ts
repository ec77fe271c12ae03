import { Injectable } from '@nestjs/common';
import { Metrics } from '@lapse/shared/metrics/metrics';
import { type ProjectionLag, ProjectionLagMonitor } from '../credential-projection/projection-lag.monitor';

const COUNTERS: Record<string, string> = {
  lapse_identity_sign_ins_total:
    'Sign-ins (authn, sessions, hosted page) by answer: SUCCESS, PASSWORD_EXPIRED, …',
  lapse_identity_sign_ins_shed_total:
    'Sign-ins refused at once (429) by load shedding, by reason: IN_FLIGHT (SIGN_IN_MAX_IN_FLIGHT being verified), QUEUE_TIME (waited past SIGN_IN_MAX_QUEUE_MS).',
  lapse_identity_sessions_created_total: 'Sessions created.',
  lapse_identity_lockouts_total: 'Users locked out after too many failed sign-ins.',
  lapse_identity_staleness_checks_total:
    'Sign-ins that asked the directory because the projection was behind.',
  lapse_identity_fail_closed_total: 'Sign-ins refused because the credential state could not be confirmed.',
};

/**
 * Identity's figures on the service's `/metrics` (prom-client): the credential projection's lag and the
 * counters above. Labels never carry user data: `answer` is the sign-in's outcome.
 */
@Injectable()
export class IdentityMetrics {
  constructor(
    private readonly metrics: Metrics,
    lag: ProjectionLagMonitor,
  ) {
    // Both gauges are read in one scrape: one measurement serves them.
    let last: { at: number; value: Promise<ProjectionLag | null> } | undefined;
    const measured = (): Promise<ProjectionLag | null> => {
      if (!last || Date.now() - last.at > 1000)
        last = { at: Date.now(), value: lag.measure().catch(() => lag.current()) };
      return last.value;
    };
    metrics.gauge(
      'lapse_identity_projection_lag_events',
      'Directory events not yet applied to the credential projection.',
      [],
      async (gauge) => {
        const current = await measured();
        gauge.set(current ? current.events : Number.NaN);
      },
    );
    metrics.gauge(
      'lapse_identity_projection_lag_seconds',
      'Age of the oldest directory event not yet applied.',
      [],
      async (gauge) => {
        const current = await measured();
        gauge.set(current ? current.seconds : Number.NaN);
      },
    );
  }

  count(name: keyof typeof COUNTERS & string, labels: Record<string, string> = {}): void {
    this.metrics.counter(name, COUNTERS[name] ?? name, Object.keys(labels)).inc(labels);
  }
}
