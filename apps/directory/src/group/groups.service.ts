import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CLOCK, type Clock, ID_SOURCE, type IdSource, NotFoundError, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { AuditEventType } from '../audit/audit-log';
import { executeAuditedDecide } from '../audit/audited-decide';
import type { Caller } from '../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../directory.config';
import { UserCommandService } from '../user/user-commands.service';
import { requireUser } from '../user/user-lookup';
import { type GroupCommand, groupDecider, groupStreamId } from './domain/group.decider';
import type { GroupProfile } from './domain/group.events';
import { findGroup, GROUP_COLUMNS, type GroupRow, presentGroup } from './group.presenter';
import { GROUP_NAME_CONSTRAINT } from './group.projections';

/** Okta's cause when the name is another group's. */
const NAME_TAKEN = 'profile.name: An object with this field already exists in the current organization';

/**
 * Okta's Groups API: a group's lifecycle through its `group-<id>` stream, memberships through the member's
 * user stream (`AddUserToGroup` / `RemoveUserFromGroup`), each through the one write path and recorded in
 * the System Log in the same transaction with Okta's event types.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly users: UserCommandService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async create(profile: GroupProfile, caller: Caller) {
    const groupId = this.ids.next();
    const at = this.clock.now().toISOString();
    await this.execute(groupId, { type: 'CreateGroup', groupId, profile, at }, caller, {
      eventType: 'group.lifecycle.create',
      message: 'Create okta group',
      name: profile.name,
      newStream: true,
    });
    return this.get(groupId);
  }

  async get(groupId: string) {
    return presentGroup(await this.require(groupId), this.config.base.publicUrl);
  }

  async update(groupId: string, profile: GroupProfile, caller: Caller) {
    await this.require(groupId);
    const at = this.clock.now().toISOString();
    await this.execute(groupId, { type: 'UpdateGroupProfile', profile, at }, caller, {
      eventType: 'group.profile.update',
      message: 'Update group profile',
      name: profile.name,
    });
    return this.get(groupId);
  }

  async delete(groupId: string, caller: Caller): Promise<void> {
    const group = await this.require(groupId);
    const at = this.clock.now().toISOString();
    await this.execute(groupId, { type: 'DeleteGroup', at }, caller, {
      eventType: 'group.lifecycle.delete',
      message: 'Delete okta group',
      name: group.name,
    });
  }

  /** Okta's `GET /api/v1/groups?q=&limit=&after=`: `q` a case-insensitive name prefix; ordered by id. */
  async list(q: string | undefined, limit: number, after: string | undefined) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q) {
      params.push(`${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`name_lower LIKE $${params.length}`);
    }
    if (after) {
      params.push(after);
      where.push(`id > $${params.length}`);
    }
    params.push(limit + 1);
    const { rows } = await this.pool.query<GroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM directory_groups ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return {
      groups: rows.slice(0, limit).map((row) => presentGroup(row, this.config.base.publicUrl)),
      more: rows.length > limit,
    };
  }

  /** Okta's `PUT /api/v1/groups/{groupId}/users/{userId}`: 204 whether or not the user was a member. */
  async addMember(groupId: string, userId: string, caller: Caller): Promise<void> {
    const group = await this.require(groupId);
    const { user } = await requireUser(this.pool, userId);
    await this.users.execute(
      user.userId,
      { type: 'AddUserToGroup', groupId: group.id, at: this.clock.now().toISOString() },
      caller,
      {
        eventType: 'group.user_membership.add',
        message: 'Add user to group membership',
        debugData: { groupId: group.id, groupName: group.name },
      },
    );
  }

  async removeMember(groupId: string, userId: string, caller: Caller): Promise<void> {
    const group = await this.require(groupId);
    const { user } = await requireUser(this.pool, userId);
    await this.users.execute(
      user.userId,
      { type: 'RemoveUserFromGroup', groupId: group.id, at: this.clock.now().toISOString() },
      caller,
      {
        eventType: 'group.user_membership.remove',
        message: 'Remove user from group membership',
        debugData: { groupId: group.id, groupName: group.name },
      },
    );
  }

  /** Okta's `GET /api/v1/users/{id}/groups`: the user's groups, by id. */
  async groupsOf(idOrLogin: string) {
    const { user } = await requireUser(this.pool, idOrLogin);
    const { rows } = await this.pool.query<GroupRow>(
      `SELECT ${GROUP_COLUMNS.split(', ')
        .map((column) => `g.${column}`)
        .join(', ')}
         FROM directory_group_members m JOIN directory_groups g ON g.id = m.group_id
        WHERE m.user_id = $1 ORDER BY g.id`,
      [user.userId],
    );
    return rows.map((row) => presentGroup(row, this.config.base.publicUrl));
  }

  async require(groupId: string): Promise<GroupRow> {
    const group = await findGroup(this.pool, groupId);
    if (!group) throw new NotFoundError('Group');
    return group;
  }

  private async execute(
    groupId: string,
    command: GroupCommand,
    caller: Caller,
    audit: { eventType: AuditEventType; message: string; name: string; newStream?: boolean },
  ): Promise<void> {
    await executeAuditedDecide(
      this.commandBus,
      groupDecider,
      groupStreamId(groupId),
      command,
      caller,
      {
        eventType: audit.eventType,
        message: audit.message,
        target: { id: groupId, type: 'UserGroup', alternateId: audit.name },
        newStream: audit.newStream,
      },
      { constraint: GROUP_NAME_CONSTRAINT, cause: NAME_TAKEN },
    );
  }
}
