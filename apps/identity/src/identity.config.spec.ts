import { ConfigError, EnvReader, readBaseConfig } from '@lapse/shared';
import { readIdentityConfig } from './identity.config';

const sessionPolicyOf = (env: Record<string, string>) => {
  const reader = new EnvReader(env);
  return readIdentityConfig(reader, readBaseConfig(reader)).session;
};

describe("identity's session policy settings", () => {
  it("default to Okta's global session policy: 120 minutes idle, 1440 at most", () => {
    expect(sessionPolicyOf({})).toEqual({ idleMinutes: 120, maxLifetimeMinutes: 1440 });
  });

  it('read SESSION_LIFETIME_MINUTES as the idle time when SESSION_IDLE_MINUTES is not set', () => {
    expect(sessionPolicyOf({ SESSION_LIFETIME_MINUTES: '30' }).idleMinutes).toBe(30);
    expect(sessionPolicyOf({ SESSION_LIFETIME_MINUTES: '30', SESSION_IDLE_MINUTES: '45' }).idleMinutes).toBe(
      45,
    );
  });

  it('refuse a maximum lifetime shorter than the idle time, and values that are not whole minutes', () => {
    expect(() =>
      sessionPolicyOf({ SESSION_IDLE_MINUTES: '600', SESSION_MAX_LIFETIME_MINUTES: '60' }),
    ).toThrow(new ConfigError('SESSION_MAX_LIFETIME_MINUTES', 'must be at least SESSION_IDLE_MINUTES'));
    expect(() => sessionPolicyOf({ SESSION_IDLE_MINUTES: '0' })).toThrow(ConfigError);
    expect(() => sessionPolicyOf({ SESSION_MAX_LIFETIME_MINUTES: '1.5' })).toThrow(ConfigError);
  });
});

describe("the hosted sign-in's redirect allow-list", () => {
  const originsOf = (env: Record<string, string>) => {
    const reader = new EnvReader(env);
    return readIdentityConfig(reader, readBaseConfig(reader)).signInRedirectOrigins;
  };

  it("defaults to PUBLIC_URL's origin only", () => {
    expect(originsOf({ PUBLIC_URL: 'https://id.example.com/base' })).toEqual(['https://id.example.com']);
  });

  it('reads a comma-separated list of origins', () => {
    expect(
      originsOf({ SIGN_IN_REDIRECT_ORIGINS: 'https://app.example.com, http://localhost:3000/' }),
    ).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  it('refuses an entry that is more than an origin, or not http(s)', () => {
    for (const entry of ['https://app.example.com/path', 'javascript:alert(1)', 'app.example.com', '*'])
      expect(() => originsOf({ SIGN_IN_REDIRECT_ORIGINS: entry })).toThrow(ConfigError);
  });
});
