import { fold } from '@lapse/shared/core';
import type { UserCommand } from '../user/domain/user.commands';
import { userDecider } from '../user/domain/user.decider';
import type { UserEvent } from '../user/domain/user.events';
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
} from './user-history';

/**
 * The decider specs state history with these builders; this keeps each builder's event the one the user
 * decider records for the matching command, so a spec's history is one the stream can really hold.
 */
const noDelegation = { delegatedPasswordReset: false };
const create: UserCommand = {
  type: 'CreateUser',
  userId: 'u1',
  profile: {
    login: 'ada@example.com',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    mobilePhone: null,
  },
  provider: { type: 'OKTA', name: 'OKTA' },
  password: { hash: '$argon2id$old', changedAt: T0, by: 'ADMIN' },
  activate: true,
  expirePassword: false,
  at: T0,
};

/** What the decider records for `command` after `history`, without its credential snapshots. */
function recorded(history: readonly UserEvent[], command: UserCommand): UserEvent[] {
  return userDecider
    .decide(command, fold(userDecider, history))
    .filter((event) => event.type !== 'CredentialStateRecorded');
}

describe('the user stream history builders', () => {
  it('write a creation as the decider records it, for each starting status', () => {
    expect(recorded([], create)).toEqual([created()]);
    expect(recorded([], { ...create, activate: false })).toEqual([created({ status: 'STAGED' })]);
    expect(recorded([], { ...create, password: null })).toEqual([created({ status: 'PROVISIONED' })]);
    expect(recorded([], { ...create, provider: { type: 'LDAP', name: 'LDAP' }, password: null })).toEqual([
      created({ provider: 'LDAP', password: null }),
    ]);
  });

  it('write expiries, temporary passwords and reset links as the decider records them', () => {
    expect(recorded([created()], { type: 'ExpirePassword', reason: null, at: T1, ...noDelegation })).toEqual([
      passwordExpired(),
    ]);
    expect(
      recorded([created()], {
        type: 'ExpirePasswordInBulk',
        jobId: 'job1',
        cutoff: T1,
        reason: 'breach',
        at: T1,
      }),
    ).toEqual([expiredInBulk('PASSWORD_EXPIRED')]);
    expect(
      recorded([created()], {
        type: 'ExpirePasswordWithTemporaryPassword',
        hash: '$argon2id$temp',
        expiresAt: T2,
        deliveryId: 'd1',
        delivery: { channel: 'AUTO', sealedPassword: 'jwe', kid: 'k1' },
        revokeSessions: true,
        reason: null,
        at: T1,
        ...noDelegation,
      }),
    ).toEqual([temporaryPasswordIssued(), sessionsRevoked('TEMPORARY_PASSWORD')]);
    expect(
      recorded([created()], {
        type: 'ResetPassword',
        tokenHash: 'th',
        expiresAt: T2,
        email: null,
        revokeSessions: false,
        at: T1,
        ...noDelegation,
      }),
    ).toEqual([recoveryStarted()]);
  });

  it('write password changes and status changes as the decider records them', () => {
    expect(
      recorded([created()], {
        type: 'ChangePassword',
        verifiedHash: '$argon2id$old',
        newHash: '$argon2id$new',
        minAgeMinutes: 0,
        at: T2,
        ...noDelegation,
      }),
    ).toEqual([passwordSet({ at: T2 })]);
    expect(recorded([created()], { type: 'LockUser', at: T1 })).toEqual([
      statusChanged('LOCK', 'ACTIVE', 'LOCKED_OUT'),
    ]);
    expect(recorded([created()], { type: 'SuspendUser', at: T1 })).toEqual([
      statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED'),
      sessionsRevoked('USER_SUSPENDED'),
    ]);
  });
});
