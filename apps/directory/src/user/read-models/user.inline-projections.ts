import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventStoreProvider, type InlineProjection, type Queryable } from '@lapse/shared';
import { adminRolesProjection } from '../../admin-roles/admin-roles.projection';
import { bulkJobRecoveryProjection } from '../../bulk-expiry/bulk-job-recovery.projection';
import { groupMembersProjection } from '../../group/group.projections';
import { userDecider } from '../domain/user.decider';
import type { UserEvent } from '../domain/user.events';
import type { ExistingUser, UserState } from '../domain/user.state';
import { insertUsers, projectUser } from './directory-users.projection';

/** The admin read model (and its login claim): the folded state whole, at the stream's version. */
export const directoryUsersProjection: InlineProjection<UserEvent, UserState> = {
  name: 'directory_users',
  async handle(changes, tx) {
    // A batch of new users (an import) is one statement; anything else is written user by user.
    if (changes.length > 1 && changes.every((change) => change.before.status === 'NONE')) {
      await insertUsers(
        tx,
        changes.map((change) => ({ state: change.after as ExistingUser, version: change.version })),
      );
      return;
    }
    for (const change of changes) await projectUser(tx, change.before, change.after, change.events.length);
  },
};

/** A temporary password to deliver starts as REQUESTED; the notifier's outcome events update it. */
export const temporaryPasswordDeliveriesProjection: InlineProjection<UserEvent, UserState> = {
  name: 'directory_temp_password_deliveries',
  canHandle: ['TemporaryPasswordIssued'],
  async handle(changes, tx) {
    for (const change of changes)
      await recordDeliveryRequests(tx, (change.after as ExistingUser).userId, change.events);
  },
};

async function recordDeliveryRequests(
  tx: Queryable,
  userId: string,
  events: readonly UserEvent[],
): Promise<void> {
  for (const event of events) {
    if (event.type !== 'TemporaryPasswordIssued') continue;
    await tx.query(
      `INSERT INTO directory_temp_password_deliveries (delivery_id, user_id, requested_channel, status, updated_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        event.data.deliveryId,
        userId,
        event.data.channel,
        event.data.channel ? 'REQUESTED' : 'NOT_REQUESTED',
        event.data.issuedAt,
      ],
    );
  }
}

/** Registers the user stream's inline projections with the command handler when directory starts. */
@Injectable()
export class UserInlineProjections implements OnModuleInit {
  constructor(private readonly events: EventStoreProvider) {}

  onModuleInit(): void {
    this.events.commands.registerProjections(userDecider, [
      directoryUsersProjection,
      temporaryPasswordDeliveriesProjection,
      adminRolesProjection,
      bulkJobRecoveryProjection,
      groupMembersProjection,
    ]);
  }
}
