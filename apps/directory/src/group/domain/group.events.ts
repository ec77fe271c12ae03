import type { DomainEvent } from '@lapse/shared/core';

/** Okta's group profile (the subset Lapse keeps): a name unique in the org, an optional description. */
export interface GroupProfile {
  readonly name: string;
  readonly description: string | null;
}

/** The `group-<id>` stream: a group's lifecycle. Memberships are the users' facts (`UserAddedToGroup`). */
export type GroupCreated = DomainEvent<
  'GroupCreated',
  { readonly groupId: string; readonly profile: GroupProfile; readonly createdAt: string }
>;

export type GroupProfileUpdated = DomainEvent<
  'GroupProfileUpdated',
  { readonly groupId: string; readonly profile: GroupProfile; readonly updatedAt: string }
>;

/** The group is gone, and with it every membership in it. */
export type GroupDeleted = DomainEvent<
  'GroupDeleted',
  { readonly groupId: string; readonly name: string; readonly deletedAt: string }
>;

export type GroupEvent = GroupCreated | GroupProfileUpdated | GroupDeleted;
