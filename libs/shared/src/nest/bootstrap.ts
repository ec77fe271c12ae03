import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureHttp, type HttpOptions } from '../http/configure-app';
import { HealthModule } from '../health/health.module';
import { serveOpenApiDocument } from '../http/openapi';
import { Metrics } from '../metrics/metrics';
import { MetricsModule } from '../metrics/metrics.module';
import type { Logger } from '../logging/logger';
import { InfrastructureModule } from './infrastructure.module';
import type { InfrastructureOptions } from './infrastructure.options';
import type { ServiceManifest } from './service-manifest';

export interface LapseAppOptions {
  readonly infrastructure: Omit<InfrastructureOptions, 'publications' | 'publishedTopics' | 'migrations'>;
  readonly services: readonly ServiceManifest[];
  readonly modules: readonly (DynamicModule | Type)[];
  readonly logger: Logger;
  readonly http?: HttpOptions;
}

/** Builds a Nest application hosting one service (microservices mode) or all three (all-in-one). */
export async function createLapseApp(options: LapseAppOptions): Promise<INestApplication> {
  const infrastructure = InfrastructureModule.forRoot(
    {
      ...options.infrastructure,
      publications: options.services.flatMap((service) => service.publications),
      publishedTopics: options.services.flatMap((service) => service.publishedTopics),
      migrations: options.services.flatMap((service) => service.migrations),
    },
    options.logger,
  );

  @Module({ imports: [infrastructure, HealthModule, MetricsModule, ...options.modules] })
  class LapseAppModule {}

  const app = await NestFactory.create(LapseAppModule, { logger: false, bodyParser: false });
  // Timed first, so a request refused by a guard or the validation pipe is counted too.
  app.use(app.get(Metrics).httpTimer());
  configureHttp(app, options.logger, options.http);
  // Each service its own document; the all-in-one app (all three services) the merged one.
  const service = options.infrastructure.service;
  serveOpenApiDocument(app, service === 'lapse' ? 'Lapse' : `Lapse ${service}`);
  return app;
}
