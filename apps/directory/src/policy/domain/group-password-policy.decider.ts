import { assertNever, type Decider, NotFoundError } from '@lapse/shared/core';
import type { GroupPasswordPolicy, GroupPasswordPolicyEvent } from './group-password-policy.events';

export interface CreateGroupPasswordPolicy {
  readonly type: 'CreateGroupPasswordPolicy';
  readonly policy: GroupPasswordPolicy;
  readonly at: string;
}

/** Okta's `PUT /api/v1/policies/{id}` and `lifecycle/activate|deactivate`: the policy as it is to be. */
export interface ReplaceGroupPasswordPolicy {
  readonly type: 'ReplaceGroupPasswordPolicy';
  readonly policy: GroupPasswordPolicy;
  readonly at: string;
}

export interface DeleteGroupPasswordPolicy {
  readonly type: 'DeleteGroupPasswordPolicy';
  readonly at: string;
}

export type GroupPasswordPolicyCommand =
  | CreateGroupPasswordPolicy
  | ReplaceGroupPasswordPolicy
  | DeleteGroupPasswordPolicy;

export type GroupPasswordPolicyState =
  | { readonly status: 'NONE' }
  | {
      readonly status: 'EXISTS';
      readonly policy: GroupPasswordPolicy;
      readonly createdAt: string;
      readonly lastUpdatedAt: string;
      readonly prioritySetAt: string;
    }
  | { readonly status: 'DELETED' };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function decide(
  command: GroupPasswordPolicyCommand,
  state: GroupPasswordPolicyState,
): GroupPasswordPolicyEvent[] {
  switch (command.type) {
    case 'CreateGroupPasswordPolicy':
      // A fresh id per request: the handler opens the stream as new.
      return [
        {
          type: 'GroupPasswordPolicyCreated',
          schemaVersion: 1,
          data: { ...command.policy, createdAt: command.at, prioritySetAt: command.at },
        },
      ];
    case 'ReplaceGroupPasswordPolicy': {
      if (state.status !== 'EXISTS' || state.policy.policyId !== command.policy.policyId)
        throw new NotFoundError('Policy');
      if (same(state.policy, command.policy)) return [];
      return [
        {
          type: 'GroupPasswordPolicyReplaced',
          schemaVersion: 1,
          data: {
            ...command.policy,
            updatedAt: command.at,
            prioritySetAt:
              state.policy.priority !== command.policy.priority ? command.at : state.prioritySetAt,
          },
        },
      ];
    }
    case 'DeleteGroupPasswordPolicy':
      if (state.status !== 'EXISTS') throw new NotFoundError('Policy');
      return [
        {
          type: 'GroupPasswordPolicyDeleted',
          schemaVersion: 1,
          data: { policyId: state.policy.policyId, name: state.policy.name, deletedAt: command.at },
        },
      ];
    default:
      return assertNever(command, 'password policy command');
  }
}

function evolve(state: GroupPasswordPolicyState, event: GroupPasswordPolicyEvent): GroupPasswordPolicyState {
  switch (event.type) {
    case 'GroupPasswordPolicyCreated': {
      const { createdAt, prioritySetAt, ...policy } = event.data;
      return { status: 'EXISTS', policy, createdAt, lastUpdatedAt: createdAt, prioritySetAt };
    }
    case 'GroupPasswordPolicyReplaced': {
      if (state.status !== 'EXISTS') return state;
      const { updatedAt, prioritySetAt, ...policy } = event.data;
      return { ...state, policy, lastUpdatedAt: updatedAt, prioritySetAt };
    }
    case 'GroupPasswordPolicyDeleted':
      return { status: 'DELETED' };
    default:
      return assertNever(event, 'password policy event');
  }
}

/** The `policy-<id>` stream of one group password policy (the default policy is not a stream of this kind). */
export const groupPasswordPolicyDecider: Decider<
  GroupPasswordPolicyCommand,
  GroupPasswordPolicyEvent,
  GroupPasswordPolicyState
> = { decide, evolve, initialState: () => ({ status: 'NONE' }) };

export const GROUP_PASSWORD_POLICY_STREAM = 'policy-';
export const groupPasswordPolicyStreamId = (policyId: string) => `${GROUP_PASSWORD_POLICY_STREAM}${policyId}`;
