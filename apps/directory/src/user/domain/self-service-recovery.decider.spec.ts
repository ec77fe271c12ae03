import { DomainError } from '@lapse/shared/core';
import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import {
  created,
  passwordExpired,
  passwordSet,
  statusChanged,
  T1,
  T2,
  temporaryPasswordIssued,
} from '../../testing/user-history';
import type { UserCommand } from './user.commands';
import { isLiveRecoveryLink, SESSIONS_REVOKED_BECAUSE, userDecider } from './user.decider';
import type { RecoveryStarted } from './user.events';

const spec = DeciderSpecification.for(userDecider);
const noDelegation = { delegatedPasswordReset: false };
const beforeExpiry = '2026-01-02T12:00:00.000Z';

const request = (tokenHash = 'own', at = T1): UserCommand => ({
  type: 'RequestPasswordRecovery',
  tokenHash,
  expiresAt: T2,
  email: { deliveryId: 'd1', sealedLink: 'jwe', kid: 'k1' },
  at,
  ...noDelegation,
});
const completeRecovery = (tokenHash = 'own', at = beforeExpiry): UserCommand => ({
  type: 'CompleteRecovery',
  tokenHash,
  newHash: '$argon2id$new',
  at,
  ...noDelegation,
});

/** The event a self-service request records (as the decider writes it). */
const requested = (tokenHash = 'own'): RecoveryStarted => ({
  type: 'RecoveryStarted',
  schemaVersion: 1,
  data: {
    login: 'ada@example.com',
    tokenHash,
    startedAt: T1,
    expiresAt: T2,
    email: {
      deliveryId: 'd1',
      sealedLink: 'jwe',
      kid: 'k1',
      to: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
    },
    selfService: true,
  },
});

const refusedWith = (code: string) => (error: DomainError) => expect(error.code).toBe(code);
const types = (events: readonly { type: string }[]) => events.map((event) => event.type);

describe('a user asking for a reset link themselves (forgot password)', () => {
  it('records the emailed link and leaves the status and the current password as they are', () => {
    const when = spec.given([created()]).when(request());
    when.then([requested()]);
    expect(when.stateAfter()).toMatchObject({
      status: 'ACTIVE',
      password: { hash: '$argon2id$old' },
      pendingRecovery: { tokenHash: 'own', expiresAt: T2 },
    });
  });

  it('keeps an expired password expired until the link is used', () => {
    const when = spec.given([created(), passwordExpired()]).when(request());
    expect(when.stateAfter()).toMatchObject({ status: 'PASSWORD_EXPIRED' });
    expect(isLiveRecoveryLink(when.stateAfter(), 'own', beforeExpiry)).toBe(true);
  });

  it('refuses a user in one-time (temporary password) mode with E0000507', () => {
    spec
      .given([created(), temporaryPasswordIssued()])
      .when(request('own', beforeExpiry))
      .thenThrows(DomainError, refusedWith('E0000507'));
  });

  it('refuses users who cannot reset their password themselves: locked out, suspended, in an admin reset', () => {
    spec
      .given([created(), statusChanged('LOCK', 'ACTIVE', 'LOCKED_OUT')])
      .when(request())
      .thenThrows(DomainError, refusedWith('E0000038'));
    spec
      .given([created(), statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED')])
      .when(request())
      .thenThrows(DomainError, refusedWith('E0000038'));
  });

  it('sets the new password with the link, ending every session, and the link is spent', () => {
    const when = spec.given([created(), passwordExpired(), requested()]).when(completeRecovery());
    expect(types(when.events())).toEqual(['PasswordSet', 'SessionsRevoked', 'CredentialStateRecorded']);
    expect(when.events()[1]).toMatchObject({ data: { reason: SESSIONS_REVOKED_BECAUSE.recoveryCompleted } });
    const after = when.stateAfter();
    expect(after).toMatchObject({ status: 'ACTIVE', password: { hash: '$argon2id$new' } });
    expect(after).not.toHaveProperty('pendingRecovery');
    expect(isLiveRecoveryLink(after, 'own', beforeExpiry)).toBe(false);
  });

  it('ends the link when the password changes another way, and refuses it once expired or superseded', () => {
    spec
      .given([created(), requested(), passwordSet({ at: beforeExpiry })])
      .when(completeRecovery())
      .thenThrows(DomainError, refusedWith('E0000105'));
    spec
      .given([created(), requested()])
      .when(completeRecovery('own', T2))
      .thenThrows(DomainError, refusedWith('E0000105'));
    const superseded = spec.given([created(), requested('first'), requested('second')]).state();
    expect(isLiveRecoveryLink(superseded, 'first', beforeExpiry)).toBe(false);
    expect(isLiveRecoveryLink(superseded, 'second', beforeExpiry)).toBe(true);
  });

  it('ends the link when the user is locked or suspended meanwhile', () => {
    for (const [action, to] of [
      ['LOCK', 'LOCKED_OUT'],
      ['SUSPEND', 'SUSPENDED'],
    ] as const) {
      const later = spec.given([created(), requested(), statusChanged(action, 'ACTIVE', to)]).state();
      expect(isLiveRecoveryLink(later, 'own', beforeExpiry)).toBe(false);
    }
  });
});
