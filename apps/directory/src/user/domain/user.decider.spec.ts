import { type CredentialProviderType, DomainError, fold } from '@lapse/shared/core';
import type { CreateUser, UserCommand } from './user.commands';
import {
  credentialSnapshotOf,
  credentialStateAfterBulkExpiry,
  OLD_PASSWORD_NOT_CORRECT,
  PASSWORD_CHANGED_TOO_RECENTLY,
  SESSIONS_REVOKED_BECAUSE,
  userDecider,
} from './user.decider';
import type { CredentialSnapshot, PasswordExpired, StatusAction, UserEvent } from './user.events';
import { type ExistingStatus, isInOneTimePasswordMode, type UserState } from './user.state';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const T2 = '2026-01-03T00:00:00.000Z';
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

/** given: commands already accepted; when: one more; then: its events (or the refusal). */
function given(...commands: UserCommand[]) {
  let events: UserEvent[] = [];
  for (const command of commands)
    events = [...events, ...userDecider.decide(command, fold(userDecider, events))];
  return givenEvents(...events);
}

/** given: the stream's events; when: a command; then: its events (or the refusal). */
function givenEvents(...events: UserEvent[]) {
  const state = (): UserState => fold(userDecider, events);
  return {
    state,
    when(command: UserCommand) {
      const run = () => userDecider.decide(command, state());
      return {
        events: run,
        types: () => run().map((event) => event.type),
        stateAfter: () => run().reduce(userDecider.evolve, state()),
        snapshot: () =>
          run().find((event) => event.type === 'CredentialStateRecorded')?.data as
            | CredentialSnapshot
            | undefined,
        refusalCode: () => {
          try {
            run();
          } catch (error) {
            if (error instanceof DomainError) return { code: error.code, causes: error.causes };
            throw error;
          }
          throw new Error('expected the command to be refused');
        },
      };
    },
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
const resetWith = (tokenHash: string, at = T1, expiresAt = T2): UserCommand => ({
  type: 'ResetPassword',
  tokenHash,
  expiresAt,
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

describe('the user decider', () => {
  describe('when a user is created', () => {
    it('is ACTIVE with a password and activate=true, and records a credential snapshot', () => {
      const when = given().when(createUser());
      expect(when.types()).toEqual(['UserCreated', 'CredentialStateRecorded']);
      expect(when.stateAfter().status).toBe('ACTIVE');
      expect(when.snapshot()).toMatchObject({
        status: 'ACTIVE',
        passwordHash: '$argon2id$old',
        passwordExpired: false,
      });
    });

    it('is STAGED without activate', () => {
      expect(
        given()
          .when(createUser({ activate: false }))
          .stateAfter().status,
      ).toBe('STAGED');
    });

    it('is PROVISIONED when activated without a password', () => {
      expect(
        given()
          .when(createUser({ password: null }))
          .stateAfter().status,
      ).toBe('PROVISIONED');
    });

    it('is PASSWORD_EXPIRED at once with nextLogin=changePassword', () => {
      const when = given().when(createUser({ expirePassword: true }));
      expect(when.types()).toEqual(['UserCreated', 'PasswordExpired', 'CredentialStateRecorded']);
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
      expect(when.snapshot()?.passwordExpired).toBe(true);
    });

    it('refuses nextLogin=changePassword without a password (E0000124)', () => {
      expect(
        given()
          .when(createUser({ expirePassword: true, password: null }))
          .refusalCode().code,
      ).toBe('E0000124');
    });

    it('refuses nextLogin=changePassword without activate (E0000125)', () => {
      expect(
        given()
          .when(createUser({ expirePassword: true, activate: false }))
          .refusalCode().code,
      ).toBe('E0000125');
    });

    it('refuses a second creation of the same stream', () => {
      expect(given(createUser()).when(createUser()).refusalCode().code).toBe('E0000001');
    });
  });

  describe('when an admin expires the password keeping the current one', () => {
    it('moves an ACTIVE user to PASSWORD_EXPIRED with cause ADMIN and keeps the hash', () => {
      const when = given(createUser()).when(expire());
      expect(when.types()).toEqual(['PasswordExpired', 'CredentialStateRecorded']);
      expect(when.events()[0].data).toMatchObject({ cause: 'ADMIN', delegated: false });
      expect(when.snapshot()).toMatchObject({
        status: 'PASSWORD_EXPIRED',
        passwordHash: '$argon2id$old',
        passwordExpired: true,
        oneTimePassword: null,
      });
    });

    it('refuses a STAGED user (E0000038)', () => {
      expect(
        given(createUser({ activate: false }))
          .when(expire())
          .refusalCode().code,
      ).toBe('E0000038');
    });

    it('refuses a SUSPENDED user (E0000038)', () => {
      expect(given(createUser(), { type: 'SuspendUser', at: T0 }).when(expire()).refusalCode().code).toBe(
        'E0000038',
      );
    });

    it.each(['FEDERATION', 'SOCIAL'] as const)(
      'refuses a %s user as mastered elsewhere (E0000023)',
      (provider) => {
        expect(
          given(createUser({ password: null }, provider))
            .when(expire())
            .refusalCode().code,
        ).toBe('E0000023');
      },
    );

    it('records the expiry of an ACTIVE_DIRECTORY user for the directory agent to apply', () => {
      const when = given(createUser({ password: null }, 'ACTIVE_DIRECTORY')).when(expire());
      expect(when.events()[0].data).toMatchObject({ cause: 'ADMIN', delegated: true });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('refuses an unknown user (E0000007)', () => {
      expect(given().when(expire()).refusalCode().code).toBe('E0000007');
    });
  });

  describe('when an admin expires the password with a temporary password', () => {
    it('puts the user in one-time password mode with only the hash and the sealed envelope', () => {
      const when = given(createUser()).when(tempPassword());
      expect(when.types()).toEqual(['TemporaryPasswordIssued', 'SessionsRevoked', 'CredentialStateRecorded']);
      const state = when.stateAfter();
      expect(state.status).toBe('PASSWORD_EXPIRED');
      expect(isInOneTimePasswordMode(state)).toBe(true);
      expect(when.snapshot()).toMatchObject({
        passwordHash: '$argon2id$temp',
        oneTimePassword: { expiresAt: T2 },
      });
    });

    it('does not revoke sessions unless asked', () => {
      const command = { ...tempPassword(), revokeSessions: false } as UserCommand;
      expect(given(createUser()).when(command).types()).not.toContain('SessionsRevoked');
    });

    it('refuses an ACTIVE_DIRECTORY user unless delegated password reset is on', () => {
      const ad = createUser({ password: null }, 'ACTIVE_DIRECTORY');
      expect(given(ad).when(tempPassword()).refusalCode().code).toBe('E0000023');
      const allowed = { ...tempPassword(), delegatedPasswordReset: true } as UserCommand;
      expect(given(ad).when(allowed).stateAfter().status).toBe('PASSWORD_EXPIRED');
    });
  });

  describe('when the password is in one-time mode', () => {
    it('refuses to create a reset link (E0000507)', () => {
      expect(given(createUser(), tempPassword()).when(reset()).refusalCode().code).toBe('E0000507');
    });

    it('accepts the temporary password as the old one and leaves the mode on change', () => {
      const when = given(createUser(), tempPassword()).when(change('$argon2id$temp'));
      const state = when.stateAfter();
      expect(state.status).toBe('ACTIVE');
      expect(isInOneTimePasswordMode(state)).toBe(false);
      expect(when.snapshot()).toMatchObject({
        passwordHash: '$argon2id$new',
        passwordExpired: false,
        oneTimePassword: null,
      });
    });

    it('refuses the change once the temporary password has expired (LAPSE0001)', () => {
      const late = '2026-01-04T00:00:00.000Z';
      expect(
        given(createUser(), tempPassword()).when(change('$argon2id$temp', late)).refusalCode().code,
      ).toBe('LAPSE0001');
    });
  });

  describe('when a reset link is created', () => {
    it('moves the user to RECOVERY', () => {
      expect(given(createUser()).when(reset()).stateAfter().status).toBe('RECOVERY');
    });

    it('keeps an earlier expiry in force', () => {
      const state = given(createUser(), expire()).when(reset()).stateAfter();
      expect(state.status).toBe('RECOVERY');
      expect(given(createUser(), expire(), reset()).when(reset()).snapshot()).toBeUndefined();
    });
  });

  describe('when the user follows the reset link', () => {
    const beforeExpiry = '2026-01-02T12:00:00.000Z';

    it('sets the new password, clears the link and an earlier expiry, and makes the user ACTIVE', () => {
      const when = given(createUser(), expire(), reset()).when(completeRecovery('th', beforeExpiry));
      expect(when.types()).toEqual(['PasswordSet', 'SessionsRevoked', 'CredentialStateRecorded']);
      expect(when.stateAfter()).toMatchObject({ status: 'ACTIVE', password: { hash: '$argon2id$new' } });
      expect(when.snapshot()).toMatchObject({ status: 'ACTIVE', passwordExpired: false });
    });

    it('spends the link: a second use is refused (E0000105)', () => {
      const used = given(createUser(), reset(), completeRecovery('th', beforeExpiry));
      expect(used.when(completeRecovery('th', beforeExpiry)).refusalCode().code).toBe('E0000105');
    });

    it('refuses a link past its expiry (E0000105)', () => {
      expect(given(createUser(), reset()).when(completeRecovery('th', T2)).refusalCode().code).toBe(
        'E0000105',
      );
    });

    it('refuses a link superseded by a newer one, and accepts the newer one', () => {
      const twice = given(createUser(), resetWith('first'), resetWith('second', beforeExpiry, T2));
      expect(twice.when(completeRecovery('first', beforeExpiry)).refusalCode().code).toBe('E0000105');
      expect(twice.when(completeRecovery('second', beforeExpiry)).types()[0]).toBe('PasswordSet');
    });

    it('refuses an unknown link and a user not in RECOVERY the same way (E0000105)', () => {
      expect(given(createUser(), reset()).when(completeRecovery('other')).refusalCode().code).toBe(
        'E0000105',
      );
      expect(given(createUser()).when(completeRecovery('th')).refusalCode().code).toBe('E0000105');
    });

    it('refuses the link once an admin expired the password with a temporary one meanwhile', () => {
      const when = given(createUser(), reset(), tempPassword(beforeExpiry)).when(
        completeRecovery('th', beforeExpiry),
      );
      expect(when.refusalCode().code).toBe('E0000105');
    });
  });

  describe('when the user changes the password', () => {
    it('moves a PASSWORD_EXPIRED user back to ACTIVE', () => {
      const when = given(createUser(), expire()).when(change('$argon2id$old', T2));
      expect(when.types()).toEqual(['PasswordSet', 'CredentialStateRecorded']);
      expect(when.stateAfter().status).toBe('ACTIVE');
    });

    it('refuses a proof made against another hash (E0000014 Old Password is not correct)', () => {
      expect(given(createUser()).when(change('$argon2id$other')).refusalCode()).toEqual({
        code: 'E0000014',
        causes: [OLD_PASSWORD_NOT_CORRECT],
      });
    });

    it('refuses a change sooner than the minimum password age', () => {
      const soon = '2026-01-01T00:10:00.000Z';
      expect(
        given(createUser())
          .when(change('$argon2id$old', soon, 60))
          .refusalCode(),
      ).toEqual({
        code: 'E0000014',
        causes: [PASSWORD_CHANGED_TOO_RECENTLY],
      });
    });

    it('ignores the minimum age when the password is expired', () => {
      const soon = '2026-01-01T00:10:00.000Z';
      expect(
        given(createUser({ expirePassword: true }))
          .when(change('$argon2id$old', soon, 60))
          .stateAfter().status,
      ).toBe('ACTIVE');
    });

    it('refuses a SOCIAL user (E0000023)', () => {
      expect(
        given(createUser({ password: null }, 'SOCIAL'))
          .when(change('x'))
          .refusalCode().code,
      ).toBe('E0000023');
    });

    it('keeps the previous hash in the password history', () => {
      const state = given(createUser()).when(change('$argon2id$old')).stateAfter();
      expect(state.status !== 'NONE' && state.passwordHistory).toEqual(['$argon2id$old']);
    });
  });

  describe('when a user is locked out and unlocked', () => {
    it('locks an ACTIVE user and unlocks back to ACTIVE', () => {
      const locked = given(createUser()).when({ type: 'LockUser', at: T1 });
      expect(locked.stateAfter().status).toBe('LOCKED_OUT');
      expect(locked.snapshot()?.status).toBe('LOCKED_OUT');
      expect(
        given(createUser(), { type: 'LockUser', at: T1 }).when({ type: 'UnlockUser', at: T2 }).stateAfter()
          .status,
      ).toBe('ACTIVE');
    });

    it('returns an expired user to PASSWORD_EXPIRED on unlock', () => {
      const when = given(createUser(), expire(), { type: 'LockUser', at: T1 }).when({
        type: 'UnlockUser',
        at: T2,
      });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('locking twice records nothing the second time', () => {
      expect(
        given(createUser(), { type: 'LockUser', at: T1 }).when({ type: 'LockUser', at: T2 }).events(),
      ).toEqual([]);
    });

    it('refuses to unlock a user who is not locked out (E0000038)', () => {
      expect(given(createUser()).when({ type: 'UnlockUser', at: T1 }).refusalCode().code).toBe('E0000038');
    });

    it('refuses to unlock a delegated user (E0000023)', () => {
      const ad = createUser({ password: null }, 'LDAP');
      expect(
        given(ad, { type: 'LockUser', at: T1 }).when({ type: 'UnlockUser', at: T2 }).refusalCode().code,
      ).toBe('E0000023');
    });
  });

  describe('when the lifecycle changes', () => {
    it('activates a STAGED user with a password', () => {
      expect(
        given(createUser({ activate: false }))
          .when({ type: 'ActivateUser', at: T1 })
          .stateAfter().status,
      ).toBe('ACTIVE');
    });

    it('refuses to activate an ACTIVE user (E0000016)', () => {
      expect(given(createUser()).when({ type: 'ActivateUser', at: T1 }).refusalCode().code).toBe('E0000016');
    });

    it('suspends and unsuspends, keeping an expiry pending', () => {
      const when = given(createUser(), expire(), { type: 'SuspendUser', at: T1 }).when({
        type: 'UnsuspendUser',
        at: T2,
      });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('deactivates any user once', () => {
      expect(given(createUser()).when({ type: 'DeactivateUser', at: T1 }).stateAfter().status).toBe(
        'DEPROVISIONED',
      );
      expect(
        given(createUser(), { type: 'DeactivateUser', at: T1 })
          .when({ type: 'DeactivateUser', at: T2 })
          .refusalCode().code,
      ).toBe('E0000038');
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
        given(createUser({ password: null }))
          .when(set)
          .stateAfter().status,
      ).toBe('ACTIVE');
      expect(given(createUser(), expire()).when(set).stateAfter().status).toBe('ACTIVE');
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
      const when = given(createUser()).when(bulk());
      expect(when.events()[0].data).toMatchObject({ cause: 'BULK', jobId: 'job1', reason: 'breach' });
      expect(when.stateAfter().status).toBe('PASSWORD_EXPIRED');
    });

    it('is idempotent per job', () => {
      expect(given(createUser(), bulk()).when(bulk()).events()).toEqual([]);
    });

    it('skips a user who changed the password after the cutoff', () => {
      expect(given(createUser(), change('$argon2id$old', T2)).when(bulk(T1)).events()).toEqual([]);
    });

    it('skips a user created after the cutoff', () => {
      expect(
        given(createUser({ at: T2 }))
          .when(bulk(T1))
          .events(),
      ).toEqual([]);
    });

    describe.each([
      ['ACTIVE', [], 'PASSWORD_EXPIRED'],
      ['RECOVERY', [reset(T0)], 'PASSWORD_EXPIRED'],
      ['LOCKED_OUT', [{ type: 'LockUser', at: T0 }], 'LOCKED_OUT'],
      ['SUSPENDED', [{ type: 'SuspendUser', at: T0 }], 'SUSPENDED'],
    ] as [string, UserCommand[], string][])('of a user who is %s', (_status, history, status) => {
      const before = given(createUser(), ...history);

      it(`records one PasswordExpired, no separate credential snapshot, with status ${status}`, () => {
        const when = before.when(bulk());
        expect(when.types()).toEqual(['PasswordExpired']);
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
        expect(
          credentialStateAfterBulkExpiry(snapshotBefore, status as ExistingStatus, expired.data.expiredAt),
        ).toEqual(after);
      });
    });

    it('keeps a locked-out user locked but expired on unlock', () => {
      const state = given(createUser(), { type: 'LockUser', at: T0 }, bulk())
        .when({ type: 'UnlockUser', at: T2 })
        .stateAfter();
      expect(state.status).toBe('PASSWORD_EXPIRED');
    });
  });

  describe("when the user's access ends", () => {
    const LOGIN = 'ada@example.com';
    const created: UserEvent = {
      type: 'UserCreated',
      schemaVersion: 1,
      data: {
        userId: 'u1',
        profile: { login: LOGIN, email: LOGIN, firstName: 'Ada', lastName: 'Lovelace', mobilePhone: null },
        provider: { type: 'OKTA', name: 'OKTA' },
        status: 'ACTIVE',
        password: { hash: '$argon2id$old', changedAt: T0, by: 'ADMIN' },
        createdAt: T0,
      },
    };
    const statusChanged = (action: StatusAction, from: ExistingStatus, to: ExistingStatus): UserEvent => ({
      type: 'UserStatusChanged',
      schemaVersion: 1,
      data: { login: LOGIN, action, from, to, at: T0 },
    });
    const adminExpired: UserEvent = {
      type: 'PasswordExpired',
      schemaVersion: 1,
      data: {
        login: LOGIN,
        provider: { type: 'OKTA', name: 'OKTA' },
        cause: 'ADMIN',
        jobId: null,
        reason: null,
        expiredAt: T0,
        delegated: false,
      },
    };
    const recoveryStarted: UserEvent = {
      type: 'RecoveryStarted',
      schemaVersion: 1,
      data: { login: LOGIN, tokenHash: 'th', startedAt: T0, expiresAt: T2 },
    };
    const revoked = (reason: string, at = T1): UserEvent => ({
      type: 'SessionsRevoked',
      schemaVersion: 1,
      data: { reason, revokedAt: at },
    });
    const revocationsOf = (events: readonly UserEvent[]) =>
      events.filter((event) => event.type === 'SessionsRevoked');

    it('revokes every session when an ACTIVE user is suspended', () => {
      const events = givenEvents(created).when({ type: 'SuspendUser', at: T1 }).events();
      expect(events.map((event) => event.type)).toEqual([
        'UserStatusChanged',
        'SessionsRevoked',
        'CredentialStateRecorded',
      ]);
      expect(revocationsOf(events)).toEqual([revoked(SESSIONS_REVOKED_BECAUSE.suspended)]);
    });

    it('revokes every session when a user whose password expired is suspended', () => {
      const events = givenEvents(created, adminExpired).when({ type: 'SuspendUser', at: T1 }).events();
      expect(revocationsOf(events)).toEqual([revoked('USER_SUSPENDED')]);
    });

    it('revokes every session when a user is deactivated, from any status', () => {
      for (const history of [[created], [created, statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED')]]) {
        const events = givenEvents(...history)
          .when({ type: 'DeactivateUser', at: T1 })
          .events();
        expect(revocationsOf(events)).toEqual([revoked('USER_DEACTIVATED')]);
      }
    });

    it('revokes every session up to the reset when the user completes a recovery with the link', () => {
      const events = givenEvents(created, recoveryStarted).when(completeRecovery('th', T1)).events();
      expect(events.map((event) => event.type)).toEqual([
        'PasswordSet',
        'SessionsRevoked',
        'CredentialStateRecorded',
      ]);
      expect(revocationsOf(events)).toEqual([revoked('RECOVERY_COMPLETED')]);
    });

    it('revokes every session for a temporary password or a reset link with revokeSessions=true', () => {
      expect(revocationsOf(givenEvents(created).when(tempPassword()).events())).toEqual([
        revoked('TEMPORARY_PASSWORD'),
      ]);
      const resetRevoking = { ...reset(), revokeSessions: true } as UserCommand;
      expect(revocationsOf(givenEvents(created).when(resetRevoking).events())).toEqual([
        revoked('PASSWORD_RESET'),
      ]);
    });

    it('keeps the sessions on a plain expire_password, a reset link without revokeSessions, and a lock', () => {
      for (const command of [expire(), reset(), { type: 'LockUser', at: T1 } as UserCommand]) {
        expect(givenEvents(created).when(command).types()).not.toContain('SessionsRevoked');
      }
    });

    it('keeps the sessions when the user changes the password or is unsuspended', () => {
      expect(givenEvents(created).when(change('$argon2id$old')).types()).not.toContain('SessionsRevoked');
      const suspended = givenEvents(created, statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED'));
      expect(suspended.when({ type: 'UnsuspendUser', at: T1 }).types()).not.toContain('SessionsRevoked');
    });

    it('revokes nothing when the suspension is refused', () => {
      const staged = givenEvents({ ...created, data: { ...created.data, status: 'STAGED' } } as UserEvent);
      expect(staged.when({ type: 'SuspendUser', at: T1 }).refusalCode().code).toBe('E0000038');
      const suspended = givenEvents(created, statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED'));
      expect(suspended.when({ type: 'SuspendUser', at: T1 }).refusalCode().code).toBe('E0000038');
    });

    it('leaves the state as it was: a revocation is a fact for identity, not a status', () => {
      const before = givenEvents(created, adminExpired).state();
      expect(userDecider.evolve(before, revoked('USER_SUSPENDED'))).toBe(before);
    });
  });
});
