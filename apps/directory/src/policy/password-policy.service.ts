import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, EventStoreProvider } from '@lapse/shared';
import { writeAudit } from '../audit/audit-log';
import type { Caller } from '../common/caller';
import type { PasswordPolicy } from './domain/password-policy';
import { type PasswordPolicyChange, PasswordPolicyStore } from './password-policy.store';

/** Changes the org password policy and records `policy.lifecycle.update`; the API route and the console call this. */
@Injectable()
export class PasswordPolicyService {
  constructor(
    private readonly policies: PasswordPolicyStore,
    private readonly eventStore: EventStoreProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  update(change: PasswordPolicyChange, caller: Caller): Promise<PasswordPolicy> {
    return this.eventStore.transaction(async (tx) => {
      const policy = await this.policies.update(change, caller.actor, tx);
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
