import { ConfigError, EnvReader, readBaseConfig } from '@lapse/shared';
import { readNotifierConfig } from './notifier.config';

function read(env: Record<string, string>) {
  const reader = new EnvReader(env);
  return readNotifierConfig(reader, readBaseConfig(reader));
}

describe('notifier configuration', () => {
  it('stops at start on a malformed voice webhook URL, naming the variable but not the value', () => {
    const attempt = () => read({ VOICE_WEBHOOK_URL: 'not a url', VOICE_WEBHOOK_SECRET: 's3cret' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/VOICE_WEBHOOK_URL/);
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('not a url') }));
  });

  it('requires a webhook secret with a webhook URL', () => {
    expect(() => read({ VOICE_WEBHOOK_URL: 'https://voice.example/calls' })).toThrow(/VOICE_WEBHOOK_SECRET/);
  });

  it('requires a webhook URL when voice is enabled', () => {
    expect(() => read({ VOICE_ENABLED: 'true' })).toThrow(/VOICE_WEBHOOK_URL/);
  });

  it('requires STARTTLS from the relay unless told otherwise', () => {
    expect(read({ SMTP_URL: 'smtp://relay.example:587' }).smtp).toEqual({
      kind: 'relay',
      url: 'smtp://relay.example:587',
      requireTls: true,
    });
    expect(read({ SMTP_URL: 'smtp://127.0.0.1:1025', SMTP_REQUIRE_TLS: 'false' }).smtp).toMatchObject({
      requireTls: false,
    });
  });

  it('starts an embedded capture server in all-in-one mode without SMTP_URL, on port 1080 by default', () => {
    expect(read({}).smtp).toEqual({ kind: 'embedded-capture', uiPort: 1080, uiPortExplicit: false });
  });

  it('requires SMTP_URL in microservices mode', () => {
    expect(() => read({ TRANSPORT: 'kafka', KAFKA_BROKERS: 'localhost:9092' })).toThrow(/SMTP_URL/);
  });

  it('defaults to link mode, 5 attempts and 50 messages per second', () => {
    const config = read({});
    expect(config.mailMode).toBe('link');
    expect(config.delivery).toMatchObject({ maxAttempts: 5, ratePerSecond: 50 });
  });

  it('refuses private keys that are not P-256 JWKs without echoing them', () => {
    const secret = '{"kty":"EC","crv":"P-384","d":"SECRETVALUE","x":"a","y":"b","kid":"k"}';
    const attempt = () => read({ NOTIFIER_PRIVATE_KEYS: `[${secret}]` });
    expect(attempt).toThrow(/NOTIFIER_PRIVATE_KEYS/);
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('SECRETVALUE') }));
  });
});
