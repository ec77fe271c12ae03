import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_PATHS } from './logger';

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
