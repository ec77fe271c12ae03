import type { INestApplication } from '@nestjs/common';
import type { BaseConfig } from '../config/base-config';
import { createLogger, type Logger } from '../logging/logger';

/** Starts listening, prints where, and exits with a clear message if anything fails at start. */
export async function listen(
  app: INestApplication,
  config: BaseConfig,
  logger: Logger,
  lines: string[] = [],
): Promise<void> {
  await app.listen(config.port, config.host);
  logger.info({ port: config.port, transport: config.transport }, 'ready');
  for (const line of [`Lapse listening on ${config.publicUrl}`, ...lines]) process.stdout.write(`${line}\n`);
}

/**
 * SIGTERM/SIGINT: stop gracefully, then exit 0. Work still in flight while the pools close can fail after the
 * signal; such failures are logged (message and stack) instead of ending the process early with code 1.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      const logLate = (error: unknown) =>
        logger.warn(
          {
            err: error instanceof Error ? error.message : String(error),
            stack: error instanceof Error ? error.stack : undefined,
          },
          'failure during shutdown',
        );
      process.on('unhandledRejection', logLate);
      process.on('uncaughtException', logLate);
      stop()
        .catch(logLate)
        .finally(() => process.exit(0));
    });
  }
}

export function exitOnStartFailure(service: string): (error: unknown) => never {
  const logger = createLogger(service);
  return (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    // The stack says which start step failed (configuration errors carry no secrets).
    logger.error(
      { err: message, stack: error instanceof Error ? error.stack : undefined },
      'failed to start',
    );
    process.stderr.write(`${service}: failed to start: ${message}\n`);
    process.exit(1);
  };
}
