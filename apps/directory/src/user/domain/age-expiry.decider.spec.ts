import { DeciderSpecification } from '@lapse/shared/testing/decider-specification';
import { created, passwordExpired, passwordSet, statusChanged, T0, T1 } from '../../testing/user-history';
import type { UserCommand } from './user.commands';
import { ageExpiryReason, credentialSnapshotOf, userDecider } from './user.decider';
import type { PasswordAgeExemptionSet } from './user.events';

const spec = DeciderSpecification.for(userDecider);
const DAY_MS = 86_400_000;
/** T0 plus `days`, as the decider writes instants. */
const afterT0 = (days: number) => new Date(Date.parse(T0) + days * DAY_MS).toISOString();
const byAge = (at: string, maxAgeDays = 90): UserCommand => ({ type: 'ExpirePasswordByAge', maxAgeDays, at });
const exemption = (exempt: boolean, at = T1): UserCommand => ({
  type: 'SetPasswordAgeExemption',
  exempt,
  reason: 'service account',
  at,
});
const exempted = (exempt = true): PasswordAgeExemptionSet => ({
  type: 'PasswordAgeExemptionSet',
  schemaVersion: 1,
  data: { login: 'ada@example.com', exempt, reason: 'service account', at: T1 },
});

describe('the user decider and the maximum password age', () => {
  describe('when the sweep reaches a password past the maximum age', () => {
    it('expires it with cause POLICY, carrying the credential change instead of a snapshot', () => {
      spec
        .given([created()])
        .when(byAge(afterT0(90)))
        .then([
          {
            type: 'PasswordExpired',
            schemaVersion: 1,
            data: {
              login: 'ada@example.com',
              provider: { type: 'OKTA', name: 'OKTA' },
              cause: 'POLICY',
              jobId: null,
              reason: ageExpiryReason(90),
              expiredAt: afterT0(90),
              delegated: false,
              credentialStatus: 'PASSWORD_EXPIRED',
            },
          },
        ]);
    });

    it('leaves the user PASSWORD_EXPIRED with the expiry', () => {
      const state = spec
        .given([created()])
        .when(byAge(afterT0(91)))
        .stateAfter();
      expect(state).toMatchObject({ status: 'PASSWORD_EXPIRED', expiry: { cause: 'POLICY', jobId: null } });
    });

    it('expires an imported password too', () => {
      expect(
        spec
          .given([created({ provider: 'IMPORT' })])
          .when(byAge(afterT0(90)))
          .events(),
      ).toHaveLength(1);
    });
  });

  describe('when the sweep reaches a user it must leave alone', () => {
    it.each([
      [
        'a password one millisecond short of the maximum age',
        [created()],
        byAge(new Date(Date.parse(afterT0(90)) - 1).toISOString()),
      ],
      ['a policy without a maximum age', [created()], byAge(afterT0(900), 0)],
      ['a delegated (AD) user', [created({ provider: 'ACTIVE_DIRECTORY' })], byAge(afterT0(91))],
      ['an already expired user', [created(), passwordExpired()], byAge(afterT0(91))],
      ['a suspended user', [created(), statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED')], byAge(afterT0(91))],
      ['an exempt user', [created(), exempted()], byAge(afterT0(91))],
      [
        'a user whose password changed since',
        [created(), passwordSet({ at: afterT0(10) })],
        byAge(afterT0(91)),
      ],
    ])('does nothing to %s', (_name, history, command) => {
      spec.given(history).when(command).thenNothingHappened();
    });
  });

  describe('when an admin exempts a user from the maximum age', () => {
    it('records the exemption and a new credential snapshot that carries it', () => {
      const events = spec.given([created()]).when(exemption(true)).events();
      expect(events.map((event) => event.type)).toEqual([
        'PasswordAgeExemptionSet',
        'CredentialStateRecorded',
      ]);
      expect(events[1].data).toMatchObject({ passwordAgeExempt: true });
    });

    it('changes nothing when the user is exempt already', () => {
      spec.given([created(), exempted()]).when(exemption(true)).thenNothingHappened();
    });

    it('ends the exemption, and the sweep expires the user again', () => {
      const when = spec.given([created(), exempted()]).when(exemption(false));
      expect(when.stateAfter()).not.toHaveProperty('passwordAgeExempt');
      expect(credentialSnapshotOf(when.stateAfter())).not.toHaveProperty('passwordAgeExempt');
      spec
        .given([created(), exempted(), exempted(false)])
        .when(byAge(afterT0(91)))
        .then([expect.objectContaining({ type: 'PasswordExpired' })]);
    });

    it('keeps the exemption through a status change and a new password', () => {
      const state = spec
        .given([created(), exempted(), statusChanged('SUSPEND', 'ACTIVE', 'SUSPENDED'), passwordSet()])
        .when(exemption(true))
        .stateAfter();
      expect(state).toMatchObject({ passwordAgeExempt: true });
    });
  });
});
