import { Global, Module } from '@nestjs/common';
import { ServiceAuthGuard } from '../http/service-auth';
import { Metrics } from './metrics';
import { MetricsHttpController } from './metrics.http.controller';
import { MessagingMetrics } from './messaging.metrics';

@Global()
@Module({
  controllers: [MetricsHttpController],
  providers: [Metrics, ServiceAuthGuard, MessagingMetrics],
  exports: [Metrics],
})
export class MetricsModule {}
