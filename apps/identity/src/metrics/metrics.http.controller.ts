import { Controller, Get, Header } from '@nestjs/common';
import { ProjectionLagMonitor } from '../credential-projection/projection-lag.monitor';
import { IdentityMetrics } from './identity.metrics';

/** Prometheus text exposition: the credential projection's lag and identity's counters. */
@Controller('metrics')
export class MetricsHttpController {
  constructor(
    private readonly lag: ProjectionLagMonitor,
    private readonly metrics: IdentityMetrics,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const lag = await this.lag.measure().catch(() => this.lag.current());
    const lines = [
      '# HELP lapse_identity_projection_lag_events Directory events not yet applied to the credential projection.',
      '# TYPE lapse_identity_projection_lag_events gauge',
      `lapse_identity_projection_lag_events ${lag ? lag.events : 'NaN'}`,
      '# HELP lapse_identity_projection_lag_seconds Age of the oldest directory event not yet applied.',
      '# TYPE lapse_identity_projection_lag_seconds gauge',
      `lapse_identity_projection_lag_seconds ${lag ? lag.seconds : 'NaN'}`,
      ...this.metrics.render(),
    ];
    return `${lines.join('\n')}\n`;
  }
}
