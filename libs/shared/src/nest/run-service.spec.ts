import { ConfigError } from '../config/env';
import { startFailureLines } from './run-service';

describe('what a failed start prints', () => {
  it('lists every configuration problem on its own line, under one heading', () => {
    const error = ConfigError.of([
      { variable: 'PORT', problem: 'must be a whole number from 1 to 65535' },
      { variable: 'KAFKA_BROKERS', problem: 'is required when TRANSPORT=kafka' },
    ]);
    expect(startFailureLines('directory', error)).toEqual([
      'directory: cannot start, the configuration has 2 problems:',
      'Invalid configuration: PORT must be a whole number from 1 to 65535',
      'Invalid configuration: KAFKA_BROKERS is required when TRANSPORT=kafka',
    ]);
  });

  it('says any other failure in one line, whatever its message spans', () => {
    expect(
      startFailureLines('lapse', new Error('listen EADDRINUSE: address already in use\n  at 8080')),
    ).toEqual(['lapse: failed to start: listen EADDRINUSE: address already in use at 8080']);
    expect(startFailureLines('lapse', 'Postgres init script exited with code 1')).toEqual([
      'lapse: failed to start: Postgres init script exited with code 1',
    ]);
  });
});
