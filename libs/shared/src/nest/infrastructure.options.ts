import type { MigrationClass } from '../database/migrate';
import type { Publication } from '../messaging/message';

export interface InfrastructureOptions {
  /** `lapse` in all-in-one mode, else the service name; names the relay and the Kafka client. */
  readonly service: string;
  readonly databaseUrl: string;
  readonly transport: 'embedded' | 'kafka';
  readonly kafkaBrokers?: readonly string[];
  /** What this process publishes from its own event log (every module's publication in all-in-one). */
  readonly publications: readonly Publication[];
  readonly publishedTopics: readonly string[];
  /** Migrations of the modules in this process; the shared ones are always run. */
  readonly migrations: readonly MigrationClass[];
  readonly poolSize?: number;
  /** Credential for service-to-service calls (`/internal/v1/...`). */
  readonly serviceApiToken: string;
  /** Admin API requests per minute per token. */
  readonly adminRateLimitPerMinute?: number;
  /** Inbox dedupe rows older than this are deleted (default 168 h). */
  readonly inboxRetentionHours?: number;
}
