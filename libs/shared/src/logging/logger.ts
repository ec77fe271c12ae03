import pino from 'pino';
import pinoPretty from 'pino-pretty';
import { traceLogFields } from '../tracing/tracing';

/** Field paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'tempPassword',
  '*.tempPassword',
  'oldPassword',
  'newPassword',
  '*.oldPassword',
  '*.newPassword',
  'token',
  '*.token',
  'sessionToken',
  '*.sessionToken',
  'stateToken',
  '*.stateToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  'sealed',
  '*.sealed',
  'privateKey',
  '*.privateKey',
  'hash',
  '*.hash',
  'value',
  '*.value',
];

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

export type LogFormat = 'json' | 'pretty';

/**
 * `LOG_FORMAT=json|pretty` when set; otherwise human-readable lines on a terminal and JSON lines anywhere
 * else (a pipe, a file, a log collector). An unknown value is reported by the configuration check
 * (`readBaseConfig`) and read here as unset.
 */
export function chooseLogFormat(configured: string | undefined, isTerminal: boolean): LogFormat {
  if (configured === 'json' || configured === 'pretty') return configured;
  return isTerminal ? 'pretty' : 'json';
}

export interface LoggerOptions {
  readonly format?: LogFormat;
  /** Where lines go (standard output unless told otherwise). */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  options: LoggerOptions = {},
): Logger {
  const format = options.format ?? chooseLogFormat(process.env.LOG_FORMAT, process.stdout.isTTY === true);
  const settings = {
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // `trace_id` and `span_id` of the active span while tracing is on (see libs/shared/src/tracing).
    mixin: traceLogFields,
  };
  if (format === 'json') {
    return options.destination ? pino(settings, options.destination) : pino(settings);
  }
  // In the process, not a worker thread (pino's `transport`): a line is written before an exit that follows.
  const pretty = pinoPretty({
    destination: options.destination ?? 1,
    sync: true,
    colorize: options.destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
  return pino(settings, pretty);
}

/** For tests and benchmarks that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
