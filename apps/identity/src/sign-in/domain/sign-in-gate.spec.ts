import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy, readPasswordPolicy } from './password-policy';
import { afterFailedAttempt, type CredentialState, decideSignIn, type GateInput } from './sign-in-gate';

const now = new Date('2025-06-01T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const daysAgo = (d: number) => minutesAgo(d * 1440);

const activeUser = (overrides: Partial<CredentialState> = {}): CredentialState => ({
  userId: 'u1',
  login: 'ada@example.com',
  providerType: 'OKTA',
  status: 'ACTIVE',
  credentialVersion: 3,
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
  passwordChangedAt: daysAgo(10),
  passwordExpired: false,
  oneTimeExpiresAt: null,
  expiredAt: null,
  changedAt: daysAgo(10),
  ...overrides,
});

const policy = (
  age: Partial<PasswordPolicy['age']> = {},
  lockout: Partial<PasswordPolicy['lockout']> = {},
): PasswordPolicy => ({
  ...DEFAULT_PASSWORD_POLICY,
  age: { ...DEFAULT_PASSWORD_POLICY.age, ...age },
  lockout: { ...DEFAULT_PASSWORD_POLICY.lockout, ...lockout },
});

const gate = (overrides: Partial<GateInput> = {}) =>
  decideSignIn({
    credential: activeUser(),
    latestCutoff: null,
    lockout: null,
    policy: DEFAULT_PASSWORD_POLICY,
    now,
    warnBeforePasswordExpired: false,
    ...overrides,
  });

describe('the sign-in gate, once the password verified', () => {
  it('admits an active user whose password is current', () => {
    expect(gate()).toEqual({ kind: 'SUCCESS' });
  });

  describe('when the password was expired by an administrator', () => {
    it('answers PASSWORD_EXPIRED when the snapshot says so', () => {
      expect(gate({ credential: activeUser({ passwordExpired: true }) })).toEqual({
        kind: 'PASSWORD_EXPIRED',
        reason: 'EXPIRED_BY_ADMIN',
      });
    });

    it('answers PASSWORD_EXPIRED when the status is PASSWORD_EXPIRED', () => {
      expect(gate({ credential: activeUser({ status: 'PASSWORD_EXPIRED' }) }).kind).toBe('PASSWORD_EXPIRED');
    });

    it('applies a per-user expiry fact to a password set before it', () => {
      expect(gate({ credential: activeUser({ expiredAt: daysAgo(1) }) }).kind).toBe('PASSWORD_EXPIRED');
    });

    it('ignores a per-user expiry fact older than the current password', () => {
      expect(gate({ credential: activeUser({ expiredAt: daysAgo(11) }) }).kind).toBe('SUCCESS');
    });
  });

  describe('when a bulk expiry cutoff covers the provider', () => {
    it('refuses a password set before the cutoff', () => {
      expect(gate({ latestCutoff: daysAgo(1) })).toEqual({ kind: 'PASSWORD_EXPIRED', reason: 'BULK_CUTOFF' });
    });

    it('admits a password changed after the cutoff', () => {
      expect(gate({ latestCutoff: daysAgo(20) })).toEqual({ kind: 'SUCCESS' });
    });

    it('refuses a password whose change time is unknown', () => {
      expect(
        gate({ credential: activeUser({ passwordChangedAt: null }), latestCutoff: daysAgo(20) }).kind,
      ).toBe('PASSWORD_EXPIRED');
    });
  });

  describe('when the policy has a maximum age', () => {
    it('refuses a password older than maxAgeDays, checked at sign-in', () => {
      expect(gate({ policy: policy({ maxAgeDays: 7 }) })).toEqual({
        kind: 'PASSWORD_EXPIRED',
        reason: 'POLICY_MAX_AGE',
      });
    });

    it("refuses from the instant changedAt + maxAgeDays on, as directory's age-expiry sweep expires it", () => {
      const at = (ms: number) => activeUser({ passwordChangedAt: new Date(daysAgo(10).getTime() + ms) });
      expect(gate({ credential: at(0), policy: policy({ maxAgeDays: 10 }) }).kind).toBe('PASSWORD_EXPIRED');
      expect(gate({ credential: at(1), policy: policy({ maxAgeDays: 10 }) }).kind).toBe('SUCCESS');
    });

    it('admits a password younger than maxAgeDays', () => {
      expect(gate({ policy: policy({ maxAgeDays: 30 }) }).kind).toBe('SUCCESS');
    });

    it('does not age passwords mastered in Active Directory', () => {
      expect(
        gate({
          credential: activeUser({ providerType: 'ACTIVE_DIRECTORY' }),
          policy: policy({ maxAgeDays: 7 }),
        }).kind,
      ).toBe('SUCCESS');
    });

    it('warns inside the warning window when the client asked for it', () => {
      const answer = gate({
        policy: policy({ maxAgeDays: 12, expireWarnDays: 5 }),
        warnBeforePasswordExpired: true,
      });
      expect(answer).toEqual({ kind: 'PASSWORD_WARN', passwordExpireDays: 2 });
    });

    it('does not warn when the client did not ask', () => {
      expect(gate({ policy: policy({ maxAgeDays: 12, expireWarnDays: 5 }) }).kind).toBe('SUCCESS');
    });

    it('does not age, nor warn about, the password of a user an admin exempted', () => {
      const credential = activeUser({ passwordAgeExempt: true });
      expect(gate({ credential, policy: policy({ maxAgeDays: 7 }) }).kind).toBe('SUCCESS');
      expect(
        gate({
          credential,
          policy: policy({ maxAgeDays: 12, expireWarnDays: 5 }),
          warnBeforePasswordExpired: true,
        }).kind,
      ).toBe('SUCCESS');
    });

    it('still refuses an exempt user whose password an admin expired', () => {
      const credential = activeUser({ passwordAgeExempt: true, passwordExpired: true });
      expect(gate({ credential, policy: policy({ maxAgeDays: 7 }) }).kind).toBe('PASSWORD_EXPIRED');
    });

    it('does not warn outside the warning window', () => {
      expect(
        gate({ policy: policy({ maxAgeDays: 30, expireWarnDays: 5 }), warnBeforePasswordExpired: true }).kind,
      ).toBe('SUCCESS');
    });
  });

  describe('when the user is in one-time password mode', () => {
    it('asks for a change while the temporary password is within its lifetime', () => {
      const credential = activeUser({
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        oneTimeExpiresAt: minutesAgo(-60),
      });
      expect(gate({ credential })).toEqual({ kind: 'PASSWORD_EXPIRED', reason: 'ONE_TIME_PASSWORD' });
    });

    it('says the temporary password expired once its lifetime is over', () => {
      const credential = activeUser({
        status: 'PASSWORD_EXPIRED',
        passwordExpired: true,
        oneTimeExpiresAt: minutesAgo(1),
      });
      expect(gate({ credential })).toEqual({ kind: 'TEMPORARY_PASSWORD_EXPIRED' });
    });
  });

  describe('when the account is locked', () => {
    it('answers LOCKED_OUT', () => {
      expect(gate({ lockout: { failedAttempts: 10, lockedAt: minutesAgo(1) } })).toEqual({
        kind: 'LOCKED_OUT',
      });
    });

    it('answers LOCKED_OUT when directory says the user is locked', () => {
      expect(gate({ credential: activeUser({ status: 'LOCKED_OUT', changedAt: minutesAgo(1) }) }).kind).toBe(
        'LOCKED_OUT',
      );
    });

    it('unlocks by itself after autoUnlockMinutes', () => {
      const lockout = { failedAttempts: 10, lockedAt: minutesAgo(31) };
      expect(gate({ lockout, policy: policy({}, { autoUnlockMinutes: 30 }) }).kind).toBe('SUCCESS');
    });

    it('stays locked before autoUnlockMinutes have passed', () => {
      const lockout = { failedAttempts: 10, lockedAt: minutesAgo(29) };
      expect(gate({ lockout, policy: policy({}, { autoUnlockMinutes: 30 }) }).kind).toBe('LOCKED_OUT');
    });

    it('reports the lock before the expiry', () => {
      const credential = activeUser({ passwordExpired: true });
      expect(gate({ credential, lockout: { failedAttempts: 3, lockedAt: minutesAgo(1) } }).kind).toBe(
        'LOCKED_OUT',
      );
    });
  });

  describe('when the user cannot sign in with a password', () => {
    it.each(['FEDERATION', 'SOCIAL'] as const)('fails a %s user like a wrong password', (providerType) => {
      expect(gate({ credential: activeUser({ providerType }) })).toEqual({ kind: 'AUTHENTICATION_FAILED' });
    });

    it.each(['STAGED', 'SUSPENDED', 'DEPROVISIONED', 'RECOVERY'] as const)(
      'fails a %s user like a wrong password',
      (status) => {
        expect(gate({ credential: activeUser({ status }) })).toEqual({ kind: 'AUTHENTICATION_FAILED' });
      },
    );
  });
});

describe('counting failed attempts', () => {
  it('locks on the attempt that reaches maxAttempts', () => {
    expect(afterFailedAttempt({ failedAttempts: 2, lockedAt: null }, policy({}, { maxAttempts: 3 }))).toEqual(
      { failedAttempts: 3, locks: true },
    );
  });

  it('does not lock before maxAttempts', () => {
    expect(afterFailedAttempt(null, policy({}, { maxAttempts: 3 }))).toEqual({
      failedAttempts: 1,
      locks: false,
    });
  });

  it('never locks when maxAttempts is 0', () => {
    expect(
      afterFailedAttempt({ failedAttempts: 99, lockedAt: null }, policy({}, { maxAttempts: 0 })).locks,
    ).toBe(false);
  });
});

describe('reading the policy directory publishes', () => {
  it('reads Okta settings.password and keeps defaults for missing fields', () => {
    const read = readPasswordPolicy({ password: { age: { maxAgeDays: 90 }, lockout: { maxAttempts: 3 } } });
    expect(read.age.maxAgeDays).toBe(90);
    expect(read.lockout.maxAttempts).toBe(3);
    expect(read.complexity.minLength).toBe(8);
  });

  it('falls back to the defaults on nonsense', () => {
    expect(readPasswordPolicy('nope')).toEqual(DEFAULT_PASSWORD_POLICY);
  });
});
