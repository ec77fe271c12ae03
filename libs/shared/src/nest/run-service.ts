import type { INestApplication } from '@nestjs/common';
import type { BaseConfig } from '../config/base-config';
import { ConfigError } from '../config/env';
import { chooseLogFormat, createLogger, type Logger } from '../logging/logger';

const LISTEN_BACKLOG = 4096;

/** Starts listening, prints where, and exits with a clear message if anything fails at start. */
export async function listen(
  app: INestApplication,
  config: BaseConfig,
  logger: Logger,
  lines: string[] = [],
): Promise<void> {
  // Node's default accept backlog is 511. Under a burst (the gateway opening a connection per request past its
  // keep-alive pool) while the event loop is busy, a full queue makes the kernel drop the handshake and then
  // reset the connection nginx already sent its request on (a 502/503 to the client). The kernel caps this at
  // net.core.somaxconn (4096 on current Linux).
  // Nest passes the arguments on to Node's `server.listen(port, host, backlog)`; its types omit the backlog.
  const withBacklog = app as unknown as {
    listen(port: number, host: string, backlog: number): Promise<unknown>;
  };
  await withBacklog.listen(config.port, config.host, LISTEN_BACKLOG);
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

/**
 * What a failed start prints: every configuration problem on its own line (no stack: they are the
 * operator's to fix, and name variables, never values), or a one-line reason for any other failure, with
 * the stack only at `LOG_LEVEL=debug`.
 */
export function startFailureLines(service: string, error: unknown): string[] {
  if (error instanceof ConfigError) {
    return [
      `${service}: cannot start, the configuration has ${plural(error.problems.length)}:`,
      ...error.lines,
    ];
  }
  const message = error instanceof Error ? error.message : String(error);
  return [`${service}: failed to start: ${message.replace(/\s*\n\s*/g, ' ')}`];
}

function plural(count: number): string {
  return count === 1 ? '1 problem' : `${count} problems`;
}

export function exitOnStartFailure(service: string): (error: unknown) => never {
  const logger = createLogger(service);
  return (error: unknown) => {
    const lines = startFailureLines(service, error);
    const debug = (process.env.LOG_LEVEL ?? '').toLowerCase() === 'debug';
    const stack =
      debug && error instanceof Error && !(error instanceof ConfigError) ? error.stack : undefined;
    // A JSON log collector gets the record; on a terminal the lines below say it already.
    if (chooseLogFormat(process.env.LOG_FORMAT, process.stdout.isTTY === true) === 'json') {
      logger.error({ err: lines.join('\n'), stack }, 'failed to start');
    }
    process.stderr.write(`${lines.join('\n')}\n`);
    if (stack) process.stderr.write(`${stack}\n`);
    process.exit(1);
  };
}
