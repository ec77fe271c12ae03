import { readBaseConfig } from '../config/base-config';
import { EnvReader } from '../config/env';
import { trustProxyEntryProblem } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it.each(['loopback', 'uniquelocal', '10.0.0.1', '172.28.0.0/24', 'fd00::/8', '::1'])(
    'accepts %s',
    (entry) => {
      expect(trustProxyEntryProblem(entry)).toBeNull();
    },
  );

  it.each(['gateway', '10.0.0.1/33', '10.0.0/8', 'fd00::/129', '10.0.0.1/8/8', 'true'])(
    'refuses %s',
    (entry) => {
      expect(trustProxyEntryProblem(entry)).toEqual(expect.any(String));
    },
  );

  it('trusts no proxy by default and stops the start on an entry Express would not understand', () => {
    expect(readBaseConfig(new EnvReader({})).trustProxy).toEqual([]);
    expect(readBaseConfig(new EnvReader({ TRUST_PROXY: 'loopback, 10.0.0.0/8' })).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(() => readBaseConfig(new EnvReader({ TRUST_PROXY: 'true' }))).toThrow(/TRUST_PROXY/);
  });
});
