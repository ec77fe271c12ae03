import { assertNever, type Decider, NotFoundError } from '@lapse/shared/core';
import type { GroupEvent, GroupProfile } from './group.events';

export interface CreateGroup {
  readonly type: 'CreateGroup';
  readonly groupId: string;
  readonly profile: GroupProfile;
  readonly at: string;
}

/** Okta's `PUT /api/v1/groups/{id}`: the profile replaced whole. */
export interface UpdateGroupProfile {
  readonly type: 'UpdateGroupProfile';
  readonly profile: GroupProfile;
  readonly at: string;
}

export interface DeleteGroup {
  readonly type: 'DeleteGroup';
  readonly at: string;
}

export type GroupCommand = CreateGroup | UpdateGroupProfile | DeleteGroup;

export type GroupState =
  | { readonly status: 'NONE' }
  | {
      readonly status: 'ACTIVE';
      readonly groupId: string;
      readonly profile: GroupProfile;
      readonly createdAt: string;
      readonly lastUpdatedAt: string;
    }
  | { readonly status: 'DELETED' };

function decide(command: GroupCommand, state: GroupState): GroupEvent[] {
  switch (command.type) {
    case 'CreateGroup':
      // A fresh id per request: an existing stream is a bug of the caller (the handler refuses it first).
      return [
        {
          type: 'GroupCreated',
          schemaVersion: 1,
          data: { groupId: command.groupId, profile: command.profile, createdAt: command.at },
        },
      ];
    case 'UpdateGroupProfile': {
      if (state.status !== 'ACTIVE') throw new NotFoundError('Group');
      const same =
        state.profile.name === command.profile.name &&
        state.profile.description === command.profile.description;
      if (same) return [];
      return [
        {
          type: 'GroupProfileUpdated',
          schemaVersion: 1,
          data: { groupId: state.groupId, profile: command.profile, updatedAt: command.at },
        },
      ];
    }
    case 'DeleteGroup':
      if (state.status !== 'ACTIVE') throw new NotFoundError('Group');
      return [
        {
          type: 'GroupDeleted',
          schemaVersion: 1,
          data: { groupId: state.groupId, name: state.profile.name, deletedAt: command.at },
        },
      ];
    default:
      return assertNever(command, 'group command');
  }
}

function evolve(state: GroupState, event: GroupEvent): GroupState {
  switch (event.type) {
    case 'GroupCreated':
      return {
        status: 'ACTIVE',
        groupId: event.data.groupId,
        profile: event.data.profile,
        createdAt: event.data.createdAt,
        lastUpdatedAt: event.data.createdAt,
      };
    case 'GroupProfileUpdated':
      if (state.status !== 'ACTIVE') return state;
      return { ...state, profile: event.data.profile, lastUpdatedAt: event.data.updatedAt };
    case 'GroupDeleted':
      return { status: 'DELETED' };
    default:
      return assertNever(event, 'group event');
  }
}

/** The `group-<id>` stream: created once, its profile replaced, deleted once (then it is not found). */
export const groupDecider: Decider<GroupCommand, GroupEvent, GroupState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};

export const GROUP_STREAM = 'group-';
export const groupStreamId = (groupId: string) => `${GROUP_STREAM}${groupId}`;
