import { type DynamicModule, Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { runMigrations } from '../database/migrate';
import { createPool, warmPool } from '../database/pg';
import { publishedContracts } from '../contracts/registry';
import { CLOCK, ID_SOURCE, systemClock, uuidSource } from '../event-sourcing/clock';
import { ADMIN_RATE_LIMIT } from '../http/admin-auth';
import { SERVICE_API_TOKEN } from '../http/service-auth';
import { createLogger, type Logger } from '../logging/logger';
import { DecideHandler, DecideManyHandler } from './decide.command';
import { EventStoreProvider } from './event-store.provider';
import type { InfrastructureOptions } from './infrastructure.options';
import { MessagingService } from './messaging.service';
import { CONTRACTS, INFRASTRUCTURE_OPTIONS, LOGGER, PG_POOL } from './tokens';

/**
 * Everything a Lapse service stands on: its PostgreSQL pool (migrated before first use), event store and
 * command handler (on the CommandBus), clock and id source, logger, and messaging over the configured transport.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(
    options: InfrastructureOptions,
    logger: Logger = createLogger(options.service),
  ): DynamicModule {
    return {
      module: InfrastructureModule,
      // One CommandBus per process (global), whichever services it hosts; commands reach the one handler.
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: INFRASTRUCTURE_OPTIONS, useValue: options },
        { provide: LOGGER, useValue: logger },
        { provide: CLOCK, useValue: systemClock },
        { provide: ID_SOURCE, useValue: uuidSource },
        { provide: CONTRACTS, useFactory: publishedContracts },
        { provide: SERVICE_API_TOKEN, useValue: options.serviceApiToken },
        { provide: ADMIN_RATE_LIMIT, useValue: { perMinute: options.adminRateLimitPerMinute ?? 600 } },
        {
          provide: PG_POOL,
          useFactory: async () => {
            await runMigrations(options.databaseUrl, options.migrations);
            // Opened whole at start and kept: a burst of sign-ins (or of admin calls) never waits for a
            // connection's SCRAM exchange and a new backend while the machine is busy.
            const size = options.poolSize ?? 20;
            const pool = createPool(options.databaseUrl, size, { keepOpen: true });
            await warmPool(pool, size);
            return pool;
          },
        },
        EventStoreProvider,
        DecideHandler,
        DecideManyHandler,
        MessagingService,
      ],
      exports: [
        SERVICE_API_TOKEN,
        ADMIN_RATE_LIMIT,
        INFRASTRUCTURE_OPTIONS,
        LOGGER,
        CLOCK,
        ID_SOURCE,
        CONTRACTS,
        PG_POOL,
        EventStoreProvider,
        MessagingService,
      ],
    };
  }
}
