import { Writable } from 'node:stream';
import pino from 'pino';
import { chooseLogFormat, createLogger, REDACTED_PATHS } from './logger';

function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } }, stream), lines };
}

describe('structured logs', () => {
  it('never print passwords, tokens or authorization headers', () => {
    const { logger, lines } = capture();
    logger.info({
      password: 'hunter2-password',
      credentials: { password: { value: 'nested-secret-value' } },
      body: { tempPassword: 'Temp-Secret-1', stateToken: 'state-secret' },
      req: { headers: { authorization: 'SSWS admin-secret-token' } },
      userId: 'u1',
    });
    const line = lines.join('');
    for (const secret of [
      'hunter2-password',
      'nested-secret-value',
      'Temp-Secret-1',
      'state-secret',
      'admin-secret-token',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line).userId).toBe('u1');
  });
});

describe('log format', () => {
  it('is human-readable on a terminal and JSON lines elsewhere, unless LOG_FORMAT says which', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat('auto', true)).toBe('pretty');
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
  });

  function written(format: 'json' | 'pretty'): string {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('directory', 'info', { format, destination });
    logger.info({ userId: 'u1', password: 'hunter2-password' }, 'user created');
    return chunks.join('');
  }

  it('pretty prints a readable line (level, message, fields), still without secrets', () => {
    const line = written('pretty');
    expect(line).toMatch(/INFO.*user created/);
    expect(line).toContain('userId: "u1"');
    expect(line).not.toContain('hunter2-password');
    expect(() => JSON.parse(line)).toThrow();
  });

  it('writes one JSON object per line otherwise', () => {
    const record = JSON.parse(written('json'));
    expect(record).toMatchObject({
      msg: 'user created',
      userId: 'u1',
      service: 'directory',
      password: '[REDACTED]',
    });
  });
});
