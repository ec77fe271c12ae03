import { ConfigError, EnvReader } from './env';
import { readBaseConfig } from './base-config';

describe('configuration', () => {
  it('names the variable, never its value, when a value is invalid', () => {
    const env = new EnvReader({ PORT: 'eighty', ADMIN_API_TOKEN: 's3cret' });
    expect(() => env.int('PORT', 8080, 1, 65535)).toThrow(
      new ConfigError('PORT', 'must be a whole number from 1 to 65535'),
    );
    expect(() => env.int('PORT', 8080, 1, 65535)).not.toThrow(/eighty/);
  });

  it('refuses a configured token shorter than 32 characters, naming the variable and not the value', () => {
    const short = 'a-token-of-31-characters-length';
    expect(short).toHaveLength(31);
    expect(() => readBaseConfig(new EnvReader({ SERVICE_API_TOKEN: short }))).toThrow(
      new ConfigError('SERVICE_API_TOKEN', 'must be at least 32 characters long'),
    );
    expect(() => new EnvReader({ ADMIN_API_TOKEN: short }).secret('ADMIN_API_TOKEN')).toThrow(
      new ConfigError('ADMIN_API_TOKEN', 'must be at least 32 characters long'),
    );
    expect(() => new EnvReader({ ADMIN_API_TOKEN: short }).secret('ADMIN_API_TOKEN')).not.toThrow(short);
  });

  it('accepts a configured token of 32 characters or more, and no token at all', () => {
    const enough = `${'x'.repeat(31)}y`;
    expect(readBaseConfig(new EnvReader({ SERVICE_API_TOKEN: enough })).serviceApiToken).toBe(enough);
    expect(readBaseConfig(new EnvReader({})).serviceApiToken).toBeUndefined();
    expect(new EnvReader({ ADMIN_API_TOKEN: '' }).secret('ADMIN_API_TOKEN')).toBeUndefined();
  });

  it('uses defaults for absent variables and refuses an unknown transport', () => {
    expect(readBaseConfig(new EnvReader({})).transport).toBe('embedded');
    expect(readBaseConfig(new EnvReader({})).port).toBe(8080);
    expect(() => readBaseConfig(new EnvReader({ TRANSPORT: 'carrier-pigeon' }))).toThrow(
      /TRANSPORT must be one of embedded, kafka/,
    );
  });

  it('requires brokers when the transport is Kafka', () => {
    expect(() => readBaseConfig(new EnvReader({ TRANSPORT: 'kafka' }))).toThrow(/KAFKA_BROKERS is required/);
    expect(
      readBaseConfig(new EnvReader({ TRANSPORT: 'kafka', KAFKA_BROKERS: 'a:9092, b:9092' })).kafkaBrokers,
    ).toEqual(['a:9092', 'b:9092']);
  });

  it('refuses a database URL that is not PostgreSQL', () => {
    expect(() => readBaseConfig(new EnvReader({ DATABASE_URL: 'mysql://x' }))).toThrow(
      /DATABASE_URL must use postgres or postgresql/,
    );
    expect(() => readBaseConfig(new EnvReader({ DATABASE_URL: 'not a url' }))).toThrow(
      /DATABASE_URL is not a valid URL/,
    );
  });

  it('gives the embedded PostgreSQL 512 MB of shared buffers unless told otherwise, and refuses less than 16', () => {
    expect(readBaseConfig(new EnvReader({})).embeddedPgSharedBuffersMb).toBe(512);
    expect(
      readBaseConfig(new EnvReader({ EMBEDDED_PG_SHARED_BUFFERS_MB: '2048' })).embeddedPgSharedBuffersMb,
    ).toBe(2048);
    expect(() => readBaseConfig(new EnvReader({ EMBEDDED_PG_SHARED_BUFFERS_MB: '8' }))).toThrow(
      /EMBEDDED_PG_SHARED_BUFFERS_MB must be a whole number from 16/,
    );
  });

  it('collects every problem when told to, one line per variable, and reports them together', () => {
    const env = new EnvReader(
      { PORT: 'eighty', TRANSPORT: 'kafka', SERVICE_API_TOKEN: 'too-short-secret', TRUST_PROXY: 'true' },
      { collect: true },
    );
    const base = readBaseConfig(env);
    expect(base.port).toBe(8080);
    let thrown: unknown;
    try {
      env.throwIfInvalid();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const lines = (thrown as ConfigError).lines;
    expect(lines).toEqual([
      'Invalid configuration: PORT must be a whole number from 1 to 65535',
      'Invalid configuration: KAFKA_BROKERS is required when TRANSPORT=kafka',
      expect.stringMatching(/^Invalid configuration: TRUST_PROXY /),
      'Invalid configuration: SERVICE_API_TOKEN must be at least 32 characters long',
    ]);
    expect((thrown as ConfigError).message.split('\n')).toEqual(lines);
    expect((thrown as ConfigError).message).not.toContain('too-short-secret');
  });

  it('reports a problem once when a value is read twice, and nothing when all is well', () => {
    const env = new EnvReader({ PORT: '0' }, { collect: true });
    env.int('PORT', 8080, 1, 65535);
    env.int('PORT', 8080, 1, 65535);
    expect(env.problems).toEqual([{ variable: 'PORT', problem: 'must be a whole number from 1 to 65535' }]);
    const valid = new EnvReader({ PORT: '8081' }, { collect: true });
    expect(readBaseConfig(valid).port).toBe(8081);
    expect(() => valid.throwIfInvalid()).not.toThrow();
  });

  it('adds the problem of a reader that still throws a ConfigError to those recorded', () => {
    const env = new EnvReader({ PORT: 'eighty' }, { collect: true });
    env.int('PORT', 8080, 1, 65535);
    let thrown: unknown;
    try {
      env.checkAll(() => {
        throw new ConfigError('SOME_SETTING', 'is required');
      });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as ConfigError).lines).toEqual([
      'Invalid configuration: PORT must be a whole number from 1 to 65535',
      'Invalid configuration: SOME_SETTING is required',
    ]);
  });
});
