import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventStoreProvider, type InlineProjection, NotFoundError, type Queryable } from '@lapse/shared';
import type { UserEvent } from '../user/domain/user.events';
import type { ExistingUser, UserState } from '../user/domain/user.state';
import { groupDecider, type GroupState } from './domain/group.decider';
import type { GroupEvent } from './domain/group.events';

/** The name-uniqueness claim (Okta: a group name is unique in the org, compared case-insensitively). */
export const GROUP_NAME_CONSTRAINT = 'directory_groups_name_key';

/** `directory_groups`: each group as its stream folds it, written in the transaction of its events. */
export const directoryGroupsProjection: InlineProjection<GroupEvent, GroupState> = {
  name: 'directory_groups',
  async handle(changes, tx) {
    for (const change of changes) {
      const { after, version } = change;
      if (after.status === 'DELETED') {
        const deleted = change.events.find((event) => event.type === 'GroupDeleted');
        if (deleted) await tx.query('DELETE FROM directory_groups WHERE id = $1', [deleted.data.groupId]);
        continue;
      }
      if (after.status !== 'ACTIVE') continue;
      await tx.query(
        `INSERT INTO directory_groups (id, name, name_lower, description, created_at, last_updated, version)
         VALUES ($1, $2, lower($2), $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_lower = excluded.name_lower,
                description = excluded.description, last_updated = excluded.last_updated, version = excluded.version`,
        [
          after.groupId,
          after.profile.name,
          after.profile.description,
          after.createdAt,
          after.lastUpdatedAt,
          version,
        ],
      );
    }
  },
};

/**
 * `directory_group_members`: the users' membership events. A membership of a group that is not there (deleted
 * meanwhile, or never created) refuses the whole command: 404 E0000007, nothing appended.
 */
export const groupMembersProjection: InlineProjection<UserEvent, UserState> = {
  name: 'directory_group_members',
  canHandle: ['UserAddedToGroup', 'UserRemovedFromGroup'],
  async handle(changes, tx) {
    for (const change of changes) {
      const userId = (change.after as ExistingUser).userId;
      for (const event of change.events) {
        if (event.type === 'UserAddedToGroup')
          await addMember(tx, event.data.groupId, userId, event.data.addedAt);
        else if (event.type === 'UserRemovedFromGroup')
          await removeMember(tx, event.data.groupId, userId, event.data.removedAt);
      }
    }
  },
};

async function addMember(tx: Queryable, groupId: string, userId: string, at: string): Promise<void> {
  const { rowCount } = await tx.query(
    `WITH touched AS (UPDATE directory_groups SET last_membership_updated = $3 WHERE id = $1 RETURNING id)
     INSERT INTO directory_group_members (group_id, user_id, added_at)
     SELECT id, $2, $3 FROM touched ON CONFLICT DO NOTHING`,
    [groupId, userId, at],
  );
  if (rowCount === 0) {
    const { rows } = await tx.query('SELECT 1 FROM directory_groups WHERE id = $1', [groupId]);
    if (rows.length === 0) throw new NotFoundError('Group');
  }
}

async function removeMember(tx: Queryable, groupId: string, userId: string, at: string): Promise<void> {
  await tx.query('DELETE FROM directory_group_members WHERE group_id = $1 AND user_id = $2', [
    groupId,
    userId,
  ]);
  await tx.query('UPDATE directory_groups SET last_membership_updated = $2 WHERE id = $1', [groupId, at]);
}

/** Registers the group stream's inline projection with the command handler when directory starts. */
@Injectable()
export class GroupInlineProjections implements OnModuleInit {
  constructor(private readonly events: EventStoreProvider) {}

  onModuleInit(): void {
    this.events.commands.registerProjections(groupDecider, [directoryGroupsProjection]);
  }
}
