import { Writable } from 'node:stream';
import pino from 'pino';
import { type Logger, REDACTED_PATHS } from '@lapse/shared';

/** The production logger configuration (same redaction), writing every line (debug and up) into `lines`. */
export function capturingLogger(name: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino(
    {
      name,
      level: 'debug',
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      base: { service: name },
    },
    sink,
  );
  return { logger, lines };
}
