import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ServiceAuthGuard } from '../http/service-auth';
import { Metrics } from './metrics';

/**
 * `GET /metrics`: the Prometheus scrape, with the service credential (`Authorization: Bearer
 * <SERVICE_API_TOKEN>`; Prometheus's `authorization` setting). The gateway never routes it.
 */
@Controller('metrics')
@UseGuards(ServiceAuthGuard)
export class MetricsHttpController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  async scrape(@Res() response: Response): Promise<void> {
    const body = await this.metrics.registry.metrics();
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(body);
  }
}
