import type { Decider, DomainEvent } from '@lapse/shared/core';

/** The policy's age settings other services act on (the notifier's reminders). */
export interface PolicyAge {
  readonly maxAgeDays: number;
  readonly expireWarnDays: number;
}

/** An admin changed the password policy: its age settings are now these (published PasswordPolicyUpdated). */
export type PasswordPolicyAgeChanged = DomainEvent<
  'PasswordPolicyAgeChanged',
  PolicyAge & { readonly updatedAt: string }
>;

export type RecordPolicyAge = PolicyAge & { readonly type: 'RecordPolicyAge'; readonly at: string };

/** The age settings last recorded, null before the first change. */
export type PolicyAgeState = PolicyAge | null;

/** The one stream of the policy's age settings. */
export const PASSWORD_POLICY_STREAM = 'password-policy';

/**
 * The policy itself lives in `directory_settings` (the policy store); this stream records each change of
 * its age settings as a fact, so it is published through the event store like every other fact. A change
 * that leaves them as they were records nothing.
 */
export const passwordPolicyAgeDecider: Decider<RecordPolicyAge, PasswordPolicyAgeChanged, PolicyAgeState> = {
  decide(command, state) {
    if (state?.maxAgeDays === command.maxAgeDays && state.expireWarnDays === command.expireWarnDays)
      return [];
    return [
      {
        type: 'PasswordPolicyAgeChanged',
        schemaVersion: 1,
        data: {
          maxAgeDays: command.maxAgeDays,
          expireWarnDays: command.expireWarnDays,
          updatedAt: command.at,
        },
      },
    ];
  },
  evolve(_state, event) {
    return { maxAgeDays: event.data.maxAgeDays, expireWarnDays: event.data.expireWarnDays };
  },
  initialState: () => null,
};
