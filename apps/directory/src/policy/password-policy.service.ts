import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CLOCK, type Clock, Decide, EventStoreProvider, ValidationFailedError } from '@lapse/shared';
import { writeAudit } from '../audit/audit-log';
import type { Caller } from '../common/caller';
import type { PasswordPolicy } from './domain/password-policy';
import { PASSWORD_POLICY_STREAM, passwordPolicyAgeDecider } from './domain/password-policy-age.decider';
import { nullPaths, type PasswordPolicyChange, PasswordPolicyStore } from './password-policy.store';

/**
 * Changes the org password policy, publishes its age settings (the notifier's reminders) and records
 * `policy.lifecycle.update`, in one transaction; the API route and the console call this.
 */
@Injectable()
export class PasswordPolicyService {
  constructor(
    private readonly policies: PasswordPolicyStore,
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async update(change: PasswordPolicyChange, caller: Caller): Promise<PasswordPolicy> {
    const nulls = nullPaths(change);
    if (nulls.length > 0)
      throw new ValidationFailedError(
        nulls.map((path) => `${path}: must not be null (leave it out to keep the current value)`),
      );
    return this.eventStore.transaction(async (tx) => {
      const policy = await this.policies.update(change, caller.actor, tx);
      await this.commandBus.execute(
        new Decide(
          passwordPolicyAgeDecider,
          PASSWORD_POLICY_STREAM,
          {
            type: 'RecordPolicyAge',
            maxAgeDays: policy.age.maxAgeDays,
            expireWarnDays: policy.age.expireWarnDays,
            at: this.clock.now().toISOString(),
          },
          { actor: caller.actor, correlationId: caller.correlationId },
          { tx },
        ),
      );
      await writeAudit(tx, [
        {
          eventType: 'policy.lifecycle.update',
          actor: caller.audit,
          target: { id: 'password', type: 'PasswordPolicy', alternateId: null },
          outcome: 'SUCCESS',
          reason: null,
          correlationId: caller.correlationId,
          displayMessage: 'Update password policy',
          published: this.clock.now().toISOString(),
        },
      ]);
      return policy;
    });
  }
}
