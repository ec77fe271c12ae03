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
 * `directory_group_members`: the users' membership events, in one statement each way however many users a
 * command touches (an import with `groupIds`). A membership of a group that is not there (deleted meanwhile, or
 * never created) refuses the whole command: 404 E0000007, nothing appended.
 */
export const groupMembersProjection: InlineProjection<UserEvent, UserState> = {
  name: 'directory_group_members',
  canHandle: ['UserAddedToGroup', 'UserRemovedFromGroup'],
  async handle(changes, tx) {
    const added: Membership[] = [];
    const removed: Membership[] = [];
    for (const change of changes) {
      const userId = (change.after as ExistingUser).userId;
      for (const event of change.events) {
        if (event.type === 'UserAddedToGroup')
          added.push({ groupId: event.data.groupId, userId, at: event.data.addedAt });
        else if (event.type === 'UserRemovedFromGroup')
          removed.push({ groupId: event.data.groupId, userId, at: event.data.removedAt });
      }
    }
    if (added.length > 0) await addMembers(tx, added);
    if (removed.length > 0) await removeMembers(tx, removed);
  },
};

interface Membership {
  readonly groupId: string;
  readonly userId: string;
  readonly at: string;
}

const columns = (memberships: readonly Membership[]) => [
  memberships.map((m) => m.groupId),
  memberships.map((m) => m.userId),
  memberships.map((m) => m.at),
];

/** Marks each group's `last_membership_updated`; false when one of them is not there. */
async function touchGroups(tx: Queryable, memberships: readonly Membership[]): Promise<boolean> {
  const { rows } = await tx.query<{ missing: number }>(
    `WITH changed AS (SELECT g, max(a) AS at FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS x(g, u, a)
                       GROUP BY g),
          touched AS (UPDATE directory_groups d SET last_membership_updated = changed.at
                        FROM changed WHERE d.id = changed.g RETURNING d.id)
     SELECT (SELECT count(*)::int FROM changed) - (SELECT count(*)::int FROM touched) AS missing`,
    columns(memberships),
  );
  return rows[0].missing === 0;
}

async function addMembers(tx: Queryable, memberships: readonly Membership[]): Promise<void> {
  if (!(await touchGroups(tx, memberships))) throw new NotFoundError('Group');
  await tx.query(
    `INSERT INTO directory_group_members (group_id, user_id, added_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) ON CONFLICT DO NOTHING`,
    columns(memberships),
  );
}

async function removeMembers(tx: Queryable, memberships: readonly Membership[]): Promise<void> {
  await touchGroups(tx, memberships);
  await tx.query(
    `DELETE FROM directory_group_members m USING unnest($1::uuid[], $2::uuid[]) AS x(g, u)
      WHERE m.group_id = x.g AND m.user_id = x.u`,
    columns(memberships).slice(0, 2),
  );
}

/** Registers the group stream's inline projection with the command handler when directory starts. */
@Injectable()
export class GroupInlineProjections implements OnModuleInit {
  constructor(private readonly events: EventStoreProvider) {}

  onModuleInit(): void {
    this.events.commands.registerProjections(groupDecider, [directoryGroupsProjection]);
  }
}
