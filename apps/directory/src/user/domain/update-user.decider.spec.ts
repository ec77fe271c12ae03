import { type CredentialProviderType, DomainError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import {
  created,
  passwordExpired,
  recoveryStarted,
  sessionsRevoked,
  statusChanged,
  T1,
  T2,
  temporaryPasswordIssued,
} from '../../testing/user-history';
import type { UpdateUser } from './user.commands';
import { userDecider } from './user.decider';
import type { CredentialSnapshot, UserEvent } from './user.events';
import { isInOneTimePasswordMode, type UserState } from './user.state';

const noDelegation = { delegatedPasswordReset: false };

const updateProfile = (patch: Record<string, string | null>, replace = false): UpdateUser => ({
  type: 'UpdateUser',
  profile: { patch, replace },
  password: null,
  at: T1,
  ...noDelegation,
});

const setPassword = (delegatedPasswordReset = false): UpdateUser => ({
  type: 'UpdateUser',
  profile: null,
  password: { hash: '$argon2id$admin-set' },
  at: T2,
  delegatedPasswordReset,
});

const spec = DeciderSpecification.for(userDecider);

/** Ada's stream after her creation (FEDERATION and SOCIAL users have no password). */
const createdWith = (provider: CredentialProviderType = 'OKTA') =>
  created({
    provider,
    password: provider === 'FEDERATION' || provider === 'SOCIAL' ? null : '$argon2id$old',
    profile: { mobilePhone: '+15550100' },
  });

const types = (events: readonly UserEvent[]) => events.map((event) => event.type);
const snapshotIn = (events: readonly UserEvent[]) =>
  events.find((event) => event.type === 'CredentialStateRecorded')?.data as CredentialSnapshot | undefined;
const refusedWith = (code: string) => (error: DomainError) => expect(error.code).toBe(code);

const profileOf = (state: UserState) => (state.status === 'NONE' ? null : state.profile);

describe('updating a user', () => {
  describe('with partial semantics', () => {
    it('changes only the properties sent and keeps the others', () => {
      const when = spec.given([createdWith()]).when(updateProfile({ firstName: 'Augusta' }));
      expect(types(when.events())).toEqual(['UserProfileUpdated']);
      expect(profileOf(when.stateAfter())).toEqual({
        login: 'ada@example.com',
        email: 'ada@example.com',
        firstName: 'Augusta',
        lastName: 'Lovelace',
        mobilePhone: '+15550100',
      });
    });

    it('sets a property sent as null to null', () => {
      const when = spec.given([createdWith()]).when(updateProfile({ mobilePhone: null }));
      expect(profileOf(when.stateAfter())?.mobilePhone).toBeNull();
    });

    it('changes nothing (no event) when the values sent are the current ones', () => {
      spec
        .given([createdWith()])
        .when(updateProfile({ firstName: 'Ada', lastName: 'Lovelace' }))
        .thenNothingHappened();
    });
  });

  describe('with strict semantics', () => {
    it('sets every property not sent to null', () => {
      const when = spec
        .given([createdWith()])
        .when(
          updateProfile(
            { login: 'ada@example.com', email: 'ada@example.com', firstName: 'Ada', lastName: 'King' },
            true,
          ),
        );
      expect(profileOf(when.stateAfter())).toEqual({
        login: 'ada@example.com',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'King',
        mobilePhone: null,
        secondEmail: null,
        displayName: null,
      });
    });
  });

  describe('when the login changes', () => {
    const when = spec.given([createdWith()]).when(updateProfile({ login: 'countess@example.com' }));

    it('records the previous login and a credential snapshot with the new login for identity', () => {
      expect(types(when.events())).toEqual(['UserProfileUpdated', 'CredentialStateRecorded']);
      expect(when.events()[0].data).toMatchObject({ previousLogin: 'ada@example.com' });
      expect(snapshotIn(when.events())).toMatchObject({ login: 'countess@example.com', changedAt: T1 });
    });
  });

  it('records no credential snapshot when only non-sign-in properties change', () => {
    expect(
      types(
        spec
          .given([createdWith()])
          .when(updateProfile({ email: 'ada@lovelace.org' }))
          .events(),
      ),
    ).toEqual(['UserProfileUpdated']);
  });

  describe('when an admin sets the password', () => {
    it('moves a PASSWORD_EXPIRED user to ACTIVE with the new hash and the expiry cleared', () => {
      const when = spec.given([createdWith(), passwordExpired({ at: T1 })]).when(setPassword());
      expect(types(when.events())).toEqual(['PasswordSet', 'CredentialStateRecorded']);
      expect(when.events()[0].data).toMatchObject({ by: 'ADMIN', hash: '$argon2id$admin-set' });
      expect(when.stateAfter().status).toBe('ACTIVE');
      expect(snapshotIn(when.events())).toMatchObject({
        status: 'ACTIVE',
        passwordHash: '$argon2id$admin-set',
        passwordExpired: false,
        oneTimePassword: null,
      });
    });

    it('ends one-time password mode', () => {
      const when = spec
        .given([createdWith(), temporaryPasswordIssued({ at: T1, expiresAt: T2, delivered: false })])
        .when(setPassword());
      expect(isInOneTimePasswordMode(when.stateAfter())).toBe(false);
      expect(when.stateAfter().status).toBe('ACTIVE');
    });

    it('ends an outstanding recovery', () => {
      const when = spec
        .given([createdWith(), recoveryStarted({ at: T1, expiresAt: T2 })])
        .when(setPassword());
      expect(when.stateAfter().status).toBe('ACTIVE');
    });

    it('keeps the replaced hash in the password history', () => {
      const after = spec.given([createdWith()]).when(setPassword()).stateAfter();
      expect(after.status !== 'NONE' && after.passwordHistory).toEqual(['$argon2id$old']);
    });

    it('refuses a FEDERATION or SOCIAL user (403 E0000023)', () => {
      spec
        .given([createdWith('FEDERATION')])
        .when(setPassword())
        .thenThrows(DomainError, refusedWith('E0000023'));
      spec
        .given([createdWith('SOCIAL')])
        .when(setPassword())
        .thenThrows(DomainError, refusedWith('E0000023'));
    });

    it('refuses an AD/LDAP user unless delegated password reset is on', () => {
      spec
        .given([createdWith('ACTIVE_DIRECTORY')])
        .when(setPassword())
        .thenThrows(DomainError, refusedWith('E0000023'));
      expect(
        types(
          spec
            .given([createdWith('LDAP')])
            .when(setPassword(true))
            .events(),
        ),
      ).toContain('PasswordSet');
    });

    it('refuses a SUSPENDED user (403 E0000038)', () => {
      spec
        .given([
          createdWith(),
          statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED', T1),
          sessionsRevoked('USER_SUSPENDED', T1),
        ])
        .when(setPassword())
        .thenThrows(DomainError, refusedWith('E0000038'));
    });
  });

  describe('with a profile and a password in one request', () => {
    it('applies both as one list of events, the password under the new login', () => {
      const when = spec.given([createdWith()]).when({
        ...setPassword(),
        profile: { patch: { login: 'countess@example.com' }, replace: false },
      });
      expect(types(when.events())).toEqual(['UserProfileUpdated', 'PasswordSet', 'CredentialStateRecorded']);
      expect(when.events()[1].data).toMatchObject({ login: 'countess@example.com' });
    });

    it('applies neither when the password is refused', () => {
      spec
        .given([createdWith('FEDERATION')])
        .when({ ...setPassword(), profile: { patch: { firstName: 'X' }, replace: false } })
        .thenThrows(DomainError, refusedWith('E0000023'));
    });
  });

  it('refuses an unknown user (404 E0000007)', () => {
    spec
      .given([])
      .when(updateProfile({ firstName: 'X' }))
      .thenThrows(DomainError, refusedWith('E0000007'));
  });
});
