import { Controller, Get, Inject } from '@nestjs/common';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Pool } from 'pg';
import { PG_POOL } from '../nest/tokens';
import { ReadinessChecks } from './readiness';

@Controller('health')
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessChecks,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** The process is up. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The process can serve: its database answers and every module's readiness check passes. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      async (): Promise<HealthIndicatorResult> => {
        try {
          await this.pool.query('SELECT 1');
          return { database: { status: 'up' } };
        } catch {
          return { database: { status: 'down' } };
        }
      },
      ...this.readiness.entries().map(([name, check]) => async (): Promise<HealthIndicatorResult> => {
        const report = await check().catch(() => ({ ready: false, details: { error: 'check failed' } }));
        return { [name]: { status: report.ready ? 'up' : 'down', ...report.details } };
      }),
    ]);
  }
}
