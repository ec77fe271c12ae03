import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventStoreProvider, type InlineProjection } from '@lapse/shared';
import {
  type GroupPasswordPolicyState,
  groupPasswordPolicyDecider,
} from './domain/group-password-policy.decider';
import type { GroupPasswordPolicyEvent } from './domain/group-password-policy.events';

/** Okta's claim that a policy name is unique (compared case-insensitively). */
export const POLICY_NAME_CONSTRAINT = 'directory_password_policies_name_key';

/** `directory_password_policies`: each group policy as its stream folds it, in the transaction of its events. */
export const passwordPoliciesProjection: InlineProjection<
  GroupPasswordPolicyEvent,
  GroupPasswordPolicyState
> = {
  name: 'directory_password_policies',
  async handle(changes, tx) {
    for (const change of changes) {
      const { after, version } = change;
      if (after.status === 'DELETED') {
        const deleted = change.events.find((event) => event.type === 'GroupPasswordPolicyDeleted');
        if (deleted)
          await tx.query('DELETE FROM directory_password_policies WHERE id = $1', [deleted.data.policyId]);
        continue;
      }
      if (after.status !== 'EXISTS') continue;
      const { policy } = after;
      await tx.query(
        `INSERT INTO directory_password_policies (id, name, description, status, priority, priority_set_at, group_ids,
                                                  provider, settings, created_at, last_updated, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
                status = excluded.status, priority = excluded.priority, priority_set_at = excluded.priority_set_at,
                group_ids = excluded.group_ids, provider = excluded.provider, settings = excluded.settings,
                last_updated = excluded.last_updated, version = excluded.version`,
        [
          policy.policyId,
          policy.name,
          policy.description,
          policy.status,
          policy.priority,
          after.prioritySetAt,
          [...policy.groupIds],
          policy.provider,
          JSON.stringify(policy.settings),
          after.createdAt,
          after.lastUpdatedAt,
          version,
        ],
      );
    }
  },
};

/** Registers the policy streams' inline projection with the command handler when directory starts. */
@Injectable()
export class PasswordPolicyInlineProjections implements OnModuleInit {
  constructor(private readonly events: EventStoreProvider) {}

  onModuleInit(): void {
    this.events.commands.registerProjections(groupPasswordPolicyDecider, [passwordPoliciesProjection]);
  }
}
