import { type CredentialProviderType, DomainError, fold } from '@lapse/shared/core';
import type { CreateUser, UpdateUser, UserCommand } from './user.commands';
import { userDecider } from './user.decider';
import type { CredentialSnapshot, UserEvent } from './user.events';
import { isInOneTimePasswordMode, type UserState } from './user.state';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const T2 = '2026-01-03T00:00:00.000Z';
const noDelegation = { delegatedPasswordReset: false };

const createUser = (provider: CredentialProviderType = 'OKTA'): CreateUser => ({
  type: 'CreateUser',
  userId: 'u1',
  profile: {
    login: 'ada@example.com',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    mobilePhone: '+15550100',
  },
  provider: { type: provider, name: provider },
  password:
    provider === 'FEDERATION' || provider === 'SOCIAL'
      ? null
      : { hash: '$argon2id$old', changedAt: T0, by: 'ADMIN' },
  activate: true,
  expirePassword: false,
  at: T0,
});

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

function given(...commands: UserCommand[]) {
  let events: UserEvent[] = [];
  for (const command of commands)
    events = [...events, ...userDecider.decide(command, fold(userDecider, events))];
  const state = (): UserState => fold(userDecider, events);
  return {
    when(command: UserCommand) {
      const run = () => userDecider.decide(command, state());
      return {
        types: () => run().map((event) => event.type),
        events: run,
        stateAfter: () => run().reduce(userDecider.evolve, state()),
        snapshot: () =>
          run().find((event) => event.type === 'CredentialStateRecorded')?.data as
            | CredentialSnapshot
            | undefined,
        refusalCode: () => {
          try {
            run();
          } catch (error) {
            if (error instanceof DomainError) return error.code;
            throw error;
          }
          throw new Error('expected the command to be refused');
        },
      };
    },
  };
}

const profileOf = (state: UserState) => (state.status === 'NONE' ? null : state.profile);

describe('updating a user', () => {
  describe('with partial semantics', () => {
    it('changes only the properties sent and keeps the others', () => {
      const when = given(createUser()).when(updateProfile({ firstName: 'Augusta' }));
      expect(when.types()).toEqual(['UserProfileUpdated']);
      expect(profileOf(when.stateAfter())).toEqual({
        login: 'ada@example.com',
        email: 'ada@example.com',
        firstName: 'Augusta',
        lastName: 'Lovelace',
        mobilePhone: '+15550100',
      });
    });

    it('sets a property sent as null to null', () => {
      const when = given(createUser()).when(updateProfile({ mobilePhone: null }));
      expect(profileOf(when.stateAfter())?.mobilePhone).toBeNull();
    });

    it('changes nothing (no event) when the values sent are the current ones', () => {
      expect(
        given(createUser())
          .when(updateProfile({ firstName: 'Ada', lastName: 'Lovelace' }))
          .types(),
      ).toEqual([]);
    });
  });

  describe('with strict semantics', () => {
    it('sets every property not sent to null', () => {
      const when = given(createUser()).when(
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
    const when = given(createUser()).when(updateProfile({ login: 'countess@example.com' }));

    it('records the previous login and a credential snapshot with the new login for identity', () => {
      expect(when.types()).toEqual(['UserProfileUpdated', 'CredentialStateRecorded']);
      expect(when.events()[0].data).toMatchObject({ previousLogin: 'ada@example.com' });
      expect(when.snapshot()).toMatchObject({ login: 'countess@example.com', changedAt: T1 });
    });
  });

  it('records no credential snapshot when only non-sign-in properties change', () => {
    expect(
      given(createUser())
        .when(updateProfile({ email: 'ada@lovelace.org' }))
        .types(),
    ).toEqual(['UserProfileUpdated']);
  });

  describe('when an admin sets the password', () => {
    it('moves a PASSWORD_EXPIRED user to ACTIVE with the new hash and the expiry cleared', () => {
      const when = given(createUser(), {
        type: 'ExpirePassword',
        reason: null,
        at: T1,
        ...noDelegation,
      }).when(setPassword());
      expect(when.types()).toEqual(['PasswordSet', 'CredentialStateRecorded']);
      expect(when.events()[0].data).toMatchObject({ by: 'ADMIN', hash: '$argon2id$admin-set' });
      expect(when.stateAfter().status).toBe('ACTIVE');
      expect(when.snapshot()).toMatchObject({
        status: 'ACTIVE',
        passwordHash: '$argon2id$admin-set',
        passwordExpired: false,
        oneTimePassword: null,
      });
    });

    it('ends one-time password mode', () => {
      const when = given(createUser(), {
        type: 'ExpirePasswordWithTemporaryPassword',
        hash: '$argon2id$temp',
        expiresAt: T2,
        deliveryId: 'd1',
        delivery: null,
        revokeSessions: false,
        reason: null,
        at: T1,
        ...noDelegation,
      }).when(setPassword());
      expect(isInOneTimePasswordMode(when.stateAfter())).toBe(false);
      expect(when.stateAfter().status).toBe('ACTIVE');
    });

    it('ends an outstanding recovery', () => {
      const when = given(createUser(), {
        type: 'ResetPassword',
        tokenHash: 'th',
        expiresAt: T2,
        email: null,
        revokeSessions: false,
        at: T1,
        ...noDelegation,
      }).when(setPassword());
      expect(when.stateAfter().status).toBe('ACTIVE');
    });

    it('keeps the replaced hash in the password history', () => {
      const after = given(createUser()).when(setPassword()).stateAfter();
      expect(after.status !== 'NONE' && after.passwordHistory).toEqual(['$argon2id$old']);
    });

    it('refuses a FEDERATION or SOCIAL user (403 E0000023)', () => {
      expect(given(createUser('FEDERATION')).when(setPassword()).refusalCode()).toBe('E0000023');
      expect(given(createUser('SOCIAL')).when(setPassword()).refusalCode()).toBe('E0000023');
    });

    it('refuses an AD/LDAP user unless delegated password reset is on', () => {
      expect(given(createUser('ACTIVE_DIRECTORY')).when(setPassword()).refusalCode()).toBe('E0000023');
      expect(given(createUser('LDAP')).when(setPassword(true)).types()).toContain('PasswordSet');
    });

    it('refuses a SUSPENDED user (403 E0000038)', () => {
      expect(given(createUser(), { type: 'SuspendUser', at: T1 }).when(setPassword()).refusalCode()).toBe(
        'E0000038',
      );
    });
  });

  describe('with a profile and a password in one request', () => {
    it('applies both as one list of events, the password under the new login', () => {
      const when = given(createUser()).when({
        ...setPassword(),
        profile: { patch: { login: 'countess@example.com' }, replace: false },
      });
      expect(when.types()).toEqual(['UserProfileUpdated', 'PasswordSet', 'CredentialStateRecorded']);
      expect(when.events()[1].data).toMatchObject({ login: 'countess@example.com' });
    });

    it('applies neither when the password is refused', () => {
      expect(
        given(createUser('FEDERATION'))
          .when({ ...setPassword(), profile: { patch: { firstName: 'X' }, replace: false } })
          .refusalCode(),
      ).toBe('E0000023');
    });
  });

  it('refuses an unknown user (404 E0000007)', () => {
    expect(
      given()
        .when(updateProfile({ firstName: 'X' }))
        .refusalCode(),
    ).toBe('E0000007');
  });
});
