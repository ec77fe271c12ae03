import pino from 'pino';

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

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** For tests and benchmarks that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
