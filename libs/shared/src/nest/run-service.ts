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
