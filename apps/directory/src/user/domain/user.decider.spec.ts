import { type CredentialProviderType, DomainError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import {
  created,
  expiredInBulk,
  passwordExpired,
  passwordSet,
  recoveryStarted,
  sessionsRevoked,
  statusChanged,
  T0,
  T1,
  T2,
  temporaryPasswordIssued,
} from '../../testing/user-history';
import type { CreateUser, UserCommand } from './user.commands';
import {
  credentialSnapshotOf,
  credentialStateAfterBulkExpiry,
  OLD_PASSWORD_NOT_CORRECT,
  PASSWORD_CHANGED_TOO_RECENTLY,
  SESSIONS_REVOKED_BECAUSE,
  userDecider,
} from './user.decider';
import type { CredentialSnapshot, PasswordExpired, UserEvent } from './user.events';
import { type ExistingStatus, isInOneTimePasswordMode } from './user.state';

const spec = DeciderSpecification.for(userDecider);
const noDelegation = { delegatedPasswordReset: false };

function createUser(
  overrides: Partial<CreateUser> = {},
  provider: CredentialProviderType = 'OKTA',
): CreateUser {
  return {
    type: 'CreateUser',
    userId: 'u1',
    profile: {
      login: 'ada@example.com',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      mobilePhone: null,
    },
    provider: { type: provider, name: provider },
    password: { hash: '$argon2id$old', changedAt: T0, by: 'ADMIN' },
    activate: true,
    expirePassword: false,
    at: T0,
    ...overrides,
  };
}

const expire = (at = T1): UserCommand => ({ type: 'ExpirePassword', reason: null, at, ...noDelegation });
const tempPassword = (at = T1, expiresAt = T2): UserCommand => ({
  type: 'ExpirePasswordWithTemporaryPassword',
  hash: '$argon2id$temp',
  expiresAt,
  deliveryId: 'd1',
  delivery: { channel: 'AUTO', sealedPassword: 'jwe', kid: 'k1' },
  revokeSessions: true,
  reason: null,
  at,
  ...noDelegation,
});
const reset = (at = T1): UserCommand => ({
  type: 'ResetPassword',
  tokenHash: 'th',
  expiresAt: T2,
  email: null,
  revokeSessions: false,
  at,
  ...noDelegation,
});
const completeRecovery = (tokenHash = 'th', at = T1): UserCommand => ({
  type: 'CompleteRecovery',
  tokenHash,
  newHash: '$argon2id$new',
  at,
  ...noDelegation,
});
const change = (verifiedHash: string, at = T1, minAgeMinutes = 0): UserCommand => ({
  type: 'ChangePassword',
  verifiedHash,
  newHash: '$argon2id$new',
  minAgeMinutes,
  at,
  ...noDelegation,
});

// Histories stated as the stream's events.
const locked = (at = T1) => statusChanged('LOCK', 'ACTIVE', 'LOCKED_OUT', at);
const suspended = (at = T1, from: ExistingStatus = 'ACTIVE') => [
  statusChanged('SUSPEND', from, 'SUSPENDED', at),
  sessionsRevoked(SESSIONS_REVOKED_BECAUSE.suspended, at),
];
const inOneTimeMode = (at = T1) => [
  temporaryPasswordIssued({ at }),
  sessionsRevoked(SESSIONS_REVOKED_BECAUSE.temporaryPassword, at),
];

const types = (events: readonly UserEvent[]) => events.map((event) => event.type);
const snapshotIn = (events: readonly UserEvent[]) =>
  events.find((event) => event.type === 'CredentialStateRecorded')?.data as CredentialSnapshot | undefined;
/** The refusal's Okta code (and, when given, its causes). */
const refusedWith =
  (code: string, causes?: readonly string[]) =>
  (error: DomainError): void => {
    expect(error.code).toBe(code);
    if (causes) expect(error.causes).toEqual(causes);
  };

describe('the user decider', () => {
  describe('when a user is created', () => {
    it('is ACTIVE with a password and activate=true, and records a credential snapshot', () => {
      const when = spec.given([]).when(createUser());
      expect(types(when.events())).toEqual(['UserCreated', 'CredentialStateRecorded']);
      expect(when.stateAfter().status).toBe('ACTIVE');
      expect(snapshotIn(when.events())).toMatchObject({
        status: 'ACTIVE',
        passwordHash: '$argon2id$old',
        passwordExpired: false,
      });
    });

    it('is STAGED without activate', () => {
      expect(
        spec
          .given([])
          .when(createUser({ activate: false }))
          .stateAfter().status,
      ).toBe('STAGED');
    });

    it('is PROVISIONED when activated without a password', () => {
      expect(
        spec
          .given([])
          .when(createUser({ password: null }))
          .stateAfter().status,
      ).toBe('PROVISIONED');
    });

    it('is PASSWORD_EXPIRED at once with nextLogin=changePassword', () => {
      const when = spec.given([]).when(createUser({ expirePassword: true }));
      expect(types(when.events())).toEqual(['UserCreated', 'PasswordExpired', 'CredentialStateRecorded']);
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
      expect(snapshotIn(when.events())?.passwordExpired).toBe(true);
    });

    it('refuses nextLogin=changePassword without a password (E0000124)', () => {
      spec
        .given([])
        .when(createUser({ expirePassword: true, password: null }))
        .thenThrows(DomainError, refusedWith('E0000124'));
    });

    it('refuses nextLogin=changePassword without activate (E0000125)', () => {
      spec
        .given([])
        .when(createUser({ expirePassword: true, activate: false }))
        .thenThrows(DomainError, refusedWith('E0000125'));
    });

    it('refuses a second creation of the same stream', () => {
      spec.given([created()]).when(createUser()).thenThrows(DomainError, refusedWith('E0000001'));
    });
  });

  describe('when an admin expires the password keeping the current one', () => {
    it('moves an ACTIVE user to PASSWORD_EXPIRED with cause ADMIN and keeps the hash', () => {
      const when = spec.given([created()]).when(expire());
      expect(types(when.events())).toEqual(['PasswordExpired', 'CredentialStateRecorded']);
      expect(when.events()[0].data).toMatchObject({ cause: 'ADMIN', delegated: false });
      expect(snapshotIn(when.events())).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        passwordHash: '$argon2id$old',
        passwordExpired: true,
        oneTimePassword: null,
      });
    });

    it('refuses a STAGED user (E0000038)', () => {
      spec
        .given([created({ status: 'STAGED' })])
        .when(expire())
        .thenThrows(DomainError, refusedWith('E0000038'));
    });

    it('refuses a SUSPENDED user (E0000038)', () => {
      spec
        .given([created(), ...suspended(T0)])
        .when(expire())
        .thenThrows(DomainError, refusedWith('E0000038'));
    });

    it.each(['FEDERATION', 'SOCIAL'] as const)(
      'refuses a %s user as mastered elsewhere (E0000023)',
      (provider) => {
        spec
          .given([created({ provider, password: null })])
          .when(expire())
          .thenThrows(DomainError, refusedWith('E0000023'));
      },
    );

    it('records the expiry of an ACTIVE_DIRECTORY user for the directory agent to apply', () => {
      const when = spec.given([created({ provider: 'ACTIVE_DIRECTORY', password: null })]).when(expire());
      expect(when.events()[0].data).toMatchObject({ cause: 'ADMIN', delegated: true });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('refuses an unknown user (E0000007)', () => {
      spec.given([]).when(expire()).thenThrows(DomainError, refusedWith('E0000007'));
    });
  });

  describe('when an admin expires the password with a temporary password', () => {
    it('puts the user in one-time password mode with only the hash and the sealed envelope', () => {
      const when = spec.given([created()]).when(tempPassword());
      expect(types(when.events())).toEqual([
        'TemporaryPasswordIssued',
        'SessionsRevoked',
        'CredentialStateRecorded',
      ]);
      const state = when.stateAfter();
      expect(state.status).toBe('PASSWORD_EXPIRED');
      expect(isInOneTimePasswordMode(state)).toBe(true);
      expect(snapshotIn(when.events())).toMatchObject({
        passwordHash: '$argon2id$temp',
        oneTimePassword: { expiresAt: T2 },
      });
    });

    it('does not revoke sessions unless asked', () => {
      const command = { ...tempPassword(), revokeSessions: false } as UserCommand;
      expect(types(spec.given([created()]).when(command).events())).not.toContain('SessionsRevoked');
    });

    it('refuses an ACTIVE_DIRECTORY user unless delegated password reset is on', () => {
      const ad = spec.given([created({ provider: 'ACTIVE_DIRECTORY', password: null })]);
      ad.when(tempPassword()).thenThrows(DomainError, refusedWith('E0000023'));
      const allowed = { ...tempPassword(), delegatedPasswordReset: true } as UserCommand;
      expect(ad.when(allowed).stateAfter().status).toBe('PASSWORD_EXPIRED');
    });
  });

  describe('when the password is in one-time mode', () => {
    const oneTimeMode = spec.given([created(), ...inOneTimeMode()]);

    it('refuses to create a reset link (E0000507)', () => {
      oneTimeMode.when(reset()).thenThrows(DomainError, refusedWith('E0000507'));
    });

    it('accepts the temporary password as the old one and leaves the mode on change', () => {
      const when = oneTimeMode.when(change('$argon2id$temp'));
      const state = when.stateAfter();
      expect(state.status).toBe('ACTIVE');
      expect(isInOneTimePasswordMode(state)).toBe(false);
      expect(snapshotIn(when.events())).toMatchObject({
        passwordHash: '$argon2id$new',
        passwordExpired: false,
        oneTimePassword: null,
      });
    });

    it('refuses the change once the temporary password has expired (LAPSE0001)', () => {
      const late = '2026-01-04T00:00:00.000Z';
      oneTimeMode.when(change('$argon2id$temp', late)).thenThrows(DomainError, refusedWith('LAPSE0001'));
    });
  });

  describe('when a reset link is created', () => {
    it('moves the user to RECOVERY', () => {
      expect(spec.given([created()]).when(reset()).stateAfter().status).toBe('RECOVERY');
    });

    it('keeps an earlier expiry in force', () => {
      const state = spec.given([created(), passwordExpired()]).when(reset()).stateAfter();
      expect(state.status).toBe('RECOVERY');
      const again = spec.given([created(), passwordExpired(), recoveryStarted()]).when(reset());
      expect(snapshotIn(again.events())).toBeUndefined();
    });
  });

  describe('when the user follows the reset link', () => {
    const beforeExpiry = '2026-01-02T12:00:00.000Z';

    it('sets the new password, clears the link and an earlier expiry, and makes the user ACTIVE', () => {
      const when = spec
        .given([created(), passwordExpired(), recoveryStarted()])
        .when(completeRecovery('th', beforeExpiry));
      expect(types(when.events())).toEqual(['PasswordSet', 'SessionsRevoked', 'CredentialStateRecorded']);
      expect(when.stateAfter()).toMatchObject({ status: 'ACTIVE', password: { hash: '$argon2id$new' } });
      expect(snapshotIn(when.events())).toMatchObject({ status: 'ACTIVE', passwordExpired: false });
    });

    it('spends the link: a second use is refused (E0000105)', () => {
      const used = spec.given([
        created(),
        recoveryStarted(),
        passwordSet({ at: beforeExpiry }),
        sessionsRevoked(SESSIONS_REVOKED_BECAUSE.recoveryCompleted, beforeExpiry),
      ]);
      used.when(completeRecovery('th', beforeExpiry)).thenThrows(DomainError, refusedWith('E0000105'));
    });

    it('refuses a link past its expiry (E0000105)', () => {
      spec
        .given([created(), recoveryStarted()])
        .when(completeRecovery('th', T2))
        .thenThrows(DomainError, refusedWith('E0000105'));
    });

    it('refuses a link superseded by a newer one, and accepts the newer one', () => {
      const twice = spec.given([
        created(),
        recoveryStarted({ tokenHash: 'first' }),
        recoveryStarted({ tokenHash: 'second', at: beforeExpiry, expiresAt: T2 }),
      ]);
      twice.when(completeRecovery('first', beforeExpiry)).thenThrows(DomainError, refusedWith('E0000105'));
      expect(types(twice.when(completeRecovery('second', beforeExpiry)).events())[0]).toBe('PasswordSet');
    });

    it('refuses an unknown link and a user not in RECOVERY the same way (E0000105)', () => {
      spec
        .given([created(), recoveryStarted()])
        .when(completeRecovery('other'))
        .thenThrows(DomainError, refusedWith('E0000105'));
      spec.given([created()]).when(completeRecovery('th')).thenThrows(DomainError, refusedWith('E0000105'));
    });

    it('refuses the link once an admin expired the password with a temporary one meanwhile', () => {
      spec
        .given([created(), recoveryStarted(), ...inOneTimeMode(beforeExpiry)])
        .when(completeRecovery('th', beforeExpiry))
        .thenThrows(DomainError, refusedWith('E0000105'));
    });
  });

  describe('when the user changes the password', () => {
    it('moves a PASSWORD_EXPIRED user back to ACTIVE', () => {
      const when = spec.given([created(), passwordExpired()]).when(change('$argon2id$old', T2));
      expect(types(when.events())).toEqual(['PasswordSet', 'CredentialStateRecorded']);
      expect(when.stateAfter().status).toBe('ACTIVE');
    });

    it('refuses a proof made against another hash (E0000014 Old Password is not correct)', () => {
      spec
        .given([created()])
        .when(change('$argon2id$other'))
        .thenThrows(DomainError, refusedWith('E0000014', [OLD_PASSWORD_NOT_CORRECT]));
    });

    it('refuses a change sooner than the minimum password age', () => {
      const soon = '2026-01-01T00:10:00.000Z';
      spec
        .given([created()])
        .when(change('$argon2id$old', soon, 60))
        .thenThrows(DomainError, refusedWith('E0000014', [PASSWORD_CHANGED_TOO_RECENTLY]));
    });

    it('ignores the minimum age when the password is expired', () => {
      const soon = '2026-01-01T00:10:00.000Z';
      const expiredAtCreation = passwordExpired({ reason: 'nextLogin=changePassword', at: T0 });
      expect(
        spec
          .given([created(), expiredAtCreation])
          .when(change('$argon2id$old', soon, 60))
          .stateAfter().status,
      ).toBe('ACTIVE');
    });

    it('refuses a SOCIAL user (E0000023)', () => {
      spec
        .given([created({ provider: 'SOCIAL', password: null })])
        .when(change('x'))
        .thenThrows(DomainError, refusedWith('E0000023'));
    });

    it('keeps the previous hash in the password history', () => {
      const state = spec.given([created()]).when(change('$argon2id$old')).stateAfter();
      expect(state.status !== 'NONE' && state.passwordHistory).toEqual(['$argon2id$old']);
    });
  });

  describe('when a user is locked out and unlocked', () => {
    it('locks an ACTIVE user and unlocks back to ACTIVE', () => {
      const lock = spec.given([created()]).when({ type: 'LockUser', at: T1 });
      expect(lock.stateAfter().status).toBe('LOCKED_OUT');
      expect(snapshotIn(lock.events())?.status).toBe('LOCKED_OUT');
      expect(
        spec
          .given([created(), locked(T1)])
          .when({ type: 'UnlockUser', at: T2 })
          .stateAfter().status,
      ).toBe('ACTIVE');
    });

    it('returns an expired user to PASSWORD_EXPIRED on unlock', () => {
      const when = spec
        .given([created(), passwordExpired(), statusChanged('LOCK', 'PASSWORD_EXPIRED', 'LOCKED_OUT', T1)])
        .when({ type: 'UnlockUser', at: T2 });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('locking twice records nothing the second time', () => {
      spec
        .given([created(), locked(T1)])
        .when({ type: 'LockUser', at: T2 })
        .thenNothingHappened();
    });

    it('refuses to unlock a user who is not locked out (E0000038)', () => {
      spec
        .given([created()])
        .when({ type: 'UnlockUser', at: T1 })
        .thenThrows(DomainError, refusedWith('E0000038'));
    });

    it('refuses to unlock a delegated user (E0000023)', () => {
      spec
        .given([created({ provider: 'LDAP', password: null }), locked(T1)])
        .when({ type: 'UnlockUser', at: T2 })
        .thenThrows(DomainError, refusedWith('E0000023'));
    });
  });

  describe('when the lifecycle changes', () => {
    it('activates a STAGED user with a password', () => {
      expect(
        spec
          .given([created({ status: 'STAGED' })])
          .when({ type: 'ActivateUser', at: T1 })
          .stateAfter().status,
      ).toBe('ACTIVE');
    });

    it('refuses to activate an ACTIVE user (E0000016)', () => {
      spec
        .given([created()])
        .when({ type: 'ActivateUser', at: T1 })
        .thenThrows(DomainError, refusedWith('E0000016'));
    });

    it('suspends and unsuspends, keeping an expiry pending', () => {
      const when = spec
        .given([created(), passwordExpired(), ...suspended(T1, 'PASSWORD_EXPIRED')])
        .when({ type: 'UnsuspendUser', at: T2 });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('deactivates any user once', () => {
      expect(spec.given([created()]).when({ type: 'DeactivateUser', at: T1 }).stateAfter().status).toBe(
        'DEPROVISIONED',
      );
      spec
        .given([
          created(),
          statusChanged('DEACTIVATE', 'ACTIVE', 'DEPROVISIONED', T1),
          sessionsRevoked(SESSIONS_REVOKED_BECAUSE.deactivated, T1),
        ])
        .when({ type: 'DeactivateUser', at: T2 })
        .thenThrows(DomainError, refusedWith('E0000038'));
    });
  });

  describe('when an admin sets the password', () => {
    it('activates a PROVISIONED user and clears an expiry', () => {
      const set: UserCommand = {
        type: 'SetPassword',
        hash: '$argon2id$set',
        by: 'ADMIN',
        changedAt: T1,
        at: T1,
        ...noDelegation,
      };
      expect(
        spec
          .given([created({ status: 'PROVISIONED' })])
          .when(set)
          .stateAfter().status,
      ).toBe('ACTIVE');
      expect(spec.given([created(), passwordExpired()]).when(set).stateAfter().status).toBe('ACTIVE');
    });
  });

  describe('when a bulk expiry reaches the user', () => {
    const bulk = (cutoff = T1, jobId = 'job1'): UserCommand => ({
      type: 'ExpirePasswordInBulk',
      jobId,
      cutoff,
      reason: 'breach',
      at: cutoff,
    });

    it('expires a user whose password was set before the cutoff, with cause BULK and the job id', () => {
      const when = spec.given([created()]).when(bulk());
      expect(when.events()[0].data).toMatchObject({ cause: 'BULK', jobId: 'job1', reason: 'breach' });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('is idempotent per job', () => {
      spec
        .given([created(), expiredInBulk('PASSWORD_EXPIRED')])
        .when(bulk())
        .thenNothingHappened();
    });

    it('skips a user who changed the password after the cutoff', () => {
      spec
        .given([created(), passwordSet({ at: T2 })])
        .when(bulk(T1))
        .thenNothingHappened();
    });

    it('skips a user created after the cutoff', () => {
      spec
        .given([created({ at: T2 })])
        .when(bulk(T1))
        .thenNothingHappened();
    });

    describe.each([
      ['ACTIVE', [], 'PASSWORD_EXPIRED'],
      ['RECOVERY', [recoveryStarted({ at: T0 })], 'PASSWORD_EXPIRED'],
      ['LOCKED_OUT', [locked(T0)], 'LOCKED_OUT'],
      ['SUSPENDED', suspended(T0), 'SUSPENDED'],
    ] as [string, UserEvent[], ExistingStatus][])('of a user who is %s', (_status, history, status) => {
      const before = spec.given([created(), ...history]);

      it(`records one PasswordExpired, no separate credential snapshot, with status ${status}`, () => {
        const when = before.when(bulk());
        expect(types(when.events())).toEqual(['PasswordExpired']);
        expect(when.events()[0].data).toMatchObject({ credentialStatus: status });
        expect(when.stateAfter().status).toBe(status);
      });

      it('carries exactly what the credential snapshot after it would say', () => {
        const expired = before.when(bulk()).events()[0] as PasswordExpired;
        const snapshotBefore = {
          ...credentialSnapshotOf(before.state()),
          changedAt: T0,
        } as CredentialSnapshot;
        const after = { ...credentialSnapshotOf(before.when(bulk()).stateAfter()), changedAt: T1 };
        expect(credentialStateAfterBulkExpiry(snapshotBefore, status, expired.data.expiredAt)).toEqual(after);
      });
    });

    it('keeps a locked-out user locked but expired on unlock', () => {
      const state = spec
        .given([created(), locked(T0), expiredInBulk('LOCKED_OUT')])
        .when({ type: 'UnlockUser', at: T2 })
        .stateAfter();
      expect(state.status).toBe('PASSWORD_EXPIRED');
    });
  });

  describe("when the user's access ends", () => {
    const adminExpired = passwordExpired({ at: T0 });
    const suspendedAtT0 = statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED', T0);
    const revoked = (reason: string, at = T1) => sessionsRevoked(reason, at);
    const revocationsOf = (events: readonly UserEvent[]) =>
      events.filter((event) => event.type === 'SessionsRevoked');

    it('revokes every session when an ACTIVE user is suspended', () => {
      const events = spec.given([created()]).when({ type: 'SuspendUser', at: T1 }).events();
      expect(types(events)).toEqual(['UserStatusChanged', 'SessionsRevoked', 'CredentialStateRecorded']);
      expect(revocationsOf(events)).toEqual([revoked(SESSIONS_REVOKED_BECAUSE.suspended)]);
    });

    it('revokes every session when a user whose password expired is suspended', () => {
      const events = spec.given([created(), adminExpired]).when({ type: 'SuspendUser', at: T1 }).events();
      expect(revocationsOf(events)).toEqual([revoked('USER_SUSPENDED')]);
    });

    it('revokes every session when a user is deactivated, from any status', () => {
      for (const history of [[created()], [created(), suspendedAtT0]]) {
        const events = spec.given(history).when({ type: 'DeactivateUser', at: T1 }).events();
        expect(revocationsOf(events)).toEqual([revoked('USER_DEACTIVATED')]);
      }
    });

    it('revokes every session up to the reset when the user completes a recovery with the link', () => {
      const events = spec
        .given([created(), recoveryStarted({ at: T0 })])
        .when(completeRecovery('th', T1))
        .events();
      expect(types(events)).toEqual(['PasswordSet', 'SessionsRevoked', 'CredentialStateRecorded']);
      expect(revocationsOf(events)).toEqual([revoked('RECOVERY_COMPLETED')]);
    });

    it('revokes every session for a temporary password or a reset link with revokeSessions=true', () => {
      expect(revocationsOf(spec.given([created()]).when(tempPassword()).events())).toEqual([
        revoked('TEMPORARY_PASSWORD'),
      ]);
      const resetRevoking = { ...reset(), revokeSessions: true } as UserCommand;
      expect(revocationsOf(spec.given([created()]).when(resetRevoking).events())).toEqual([
        revoked('PASSWORD_RESET'),
      ]);
    });

    it('keeps the sessions on a plain expire_password, a reset link without revokeSessions, and a lock', () => {
      for (const command of [expire(), reset(), { type: 'LockUser', at: T1 } as UserCommand]) {
        expect(types(spec.given([created()]).when(command).events())).not.toContain('SessionsRevoked');
      }
    });

    it('keeps the sessions when the user changes the password or is unsuspended', () => {
      expect(types(spec.given([created()]).when(change('$argon2id$old')).events())).not.toContain(
        'SessionsRevoked',
      );
      const suspendedUser = spec.given([created(), suspendedAtT0]);
      expect(types(suspendedUser.when({ type: 'UnsuspendUser', at: T1 }).events())).not.toContain(
        'SessionsRevoked',
      );
    });

    it('revokes nothing when the suspension is refused', () => {
      spec
        .given([created({ status: 'STAGED' })])
        .when({ type: 'SuspendUser', at: T1 })
        .thenThrows(DomainError, refusedWith('E0000038'));
      spec
        .given([created(), suspendedAtT0])
        .when({ type: 'SuspendUser', at: T1 })
        .thenThrows(DomainError, refusedWith('E0000038'));
    });

    it('leaves the state as it was: a revocation is a fact for identity, not a status', () => {
      const before = spec.given([created(), adminExpired]).state();
      expect(userDecider.evolve(before, revoked('USER_SUSPENDED'))).toBe(before);
    });
  });
});
