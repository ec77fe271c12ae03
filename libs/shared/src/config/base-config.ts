import { resolve } from 'node:path';
import { EnvReader } from './env';
import { DEFAULT_SHARED_BUFFERS_MB } from '../database/embedded-postgres';
import { DEFAULT_INBOX_RETENTION_HOURS } from '../messaging/inbox-retention';
import { trustProxyEntryProblem } from '../http/trust-proxy';
import { KNOWN_TRACES_EXPORTERS } from '../tracing/tracing';

export interface BaseConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** External PostgreSQL; when absent, all-in-one mode starts an embedded server in `dataDir`. */
  readonly databaseUrl: string | undefined;
  /** `shared_buffers` of the embedded PostgreSQL (MB); unused with `databaseUrl`. */
  readonly embeddedPgSharedBuffersMb: number;
  readonly transport: 'embedded' | 'kafka';
  readonly kafkaBrokers: string[];
  /** Public base URL for links in responses and emails. */
  readonly publicUrl: string;
  /** Service-to-service credential; generated per process in all-in-one mode when unset. */
  readonly serviceApiToken: string | undefined;
  readonly adminRateLimitPerMinute: number;
  readonly inboxRetentionHours: number;
  /**
   * Proxies whose `X-Forwarded-For` names the client (Express's `trust proxy`: addresses, CIDRs, `loopback`…).
   * Empty: trust none, the client is the socket's peer.
   */
  readonly trustProxy: readonly string[];
}

export function readBaseConfig(
  env = new EnvReader(),
  defaults: { port?: number; transport?: 'embedded' | 'kafka' } = {},
): BaseConfig {
  const port = env.int('PORT', defaults.port ?? 8080, 1, 65535);
  const host = env.string('HOST', '127.0.0.1');
  const transport = env.oneOf('TRANSPORT', ['embedded', 'kafka'] as const, defaults.transport ?? 'embedded');
  const kafkaBrokers = env.list('KAFKA_BROKERS');
  if (transport === 'kafka' && kafkaBrokers.length === 0) {
    env.problem('KAFKA_BROKERS', 'is required when TRANSPORT=kafka');
  }
  // Read by createLogger, which starts before the configuration is checked; validated here with the rest.
  env.oneOf('LOG_FORMAT', ['auto', 'json', 'pretty'] as const, 'auto');
  // Read by startTracing before the configuration is checked (an unknown exporter is ignored there).
  for (const exporter of env.list('OTEL_TRACES_EXPORTER')) {
    if (!KNOWN_TRACES_EXPORTERS.includes(exporter.toLowerCase()))
      env.problem('OTEL_TRACES_EXPORTER', `names ${exporter}; Lapse knows otlp, console and none`);
  }
  env.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http', 'https']);
  env.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http', 'https']);
  const trustProxy = env.list('TRUST_PROXY');
  for (const entry of trustProxy) {
    const problem = trustProxyEntryProblem(entry);
    if (problem) env.problem('TRUST_PROXY', problem);
  }
  return {
    port,
    host,
    dataDir: resolve(env.string('DATA_DIR', './.data')),
    databaseUrl: env.url('DATABASE_URL', ['postgres', 'postgresql']),
    embeddedPgSharedBuffersMb: env.int(
      'EMBEDDED_PG_SHARED_BUFFERS_MB',
      DEFAULT_SHARED_BUFFERS_MB,
      16,
      1_048_576,
    ),
    transport,
    kafkaBrokers,
    publicUrl: (env.url('PUBLIC_URL', ['http', 'https']) ?? `http://localhost:${port}`).replace(/\/$/, ''),
    serviceApiToken: env.secret('SERVICE_API_TOKEN'),
    adminRateLimitPerMinute: env.int('ADMIN_RATE_LIMIT_PER_MINUTE', 600, 1),
    inboxRetentionHours: env.int('INBOX_RETENTION_HOURS', DEFAULT_INBOX_RETENTION_HOURS, 1),
    trustProxy,
  };
}
