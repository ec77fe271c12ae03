import { headersOf, type OutboundMessage, type Publication, type RecordedEvent, TOPICS } from '@lapse/shared';
import {
  type AdminTokenRevokedV1,
  type BulkPasswordExpiryCompletedV1,
  type BulkPasswordExpiryStartedV1,
  type BulkPasswordExpiryUsersScopedV1,
  DIRECTORY_EVENT_TYPES as T,
  type GroupCreatedV1,
  type GroupDeletedV1,
  type GroupPasswordPolicyChangedV1,
  type GroupPasswordPolicyDeletedV1,
  type GroupProfileUpdatedV1,
  type PasswordChangedV1,
  type PasswordAgeExemptionChangedV1,
  type PasswordExpiredV1,
  type PasswordPolicyUpdatedV1,
  type PasswordResetEmailRequestedV1,
  type SessionsRevokedV1,
  type TemporaryPasswordDeliveryRequestedV1,
  type UserCreatedV1,
  type UserProfileUpdatedV1,
  type UserAddedToGroupV1,
  type UserRemovedFromGroupV1,
  type UserStatusChangedV1,
} from '@lapse/shared/contracts/directory.v1';
import { ADMIN_TOKEN_STREAM, type AdminTokenEvent } from './admin-tokens/domain/admin-token.decider';
import type { BulkJobEvent } from './bulk-expiry/domain/bulk-job.events';
import { GROUP_STREAM } from './group/domain/group.decider';
import type { GroupEvent } from './group/domain/group.events';
import { GROUP_PASSWORD_POLICY_STREAM } from './policy/domain/group-password-policy.decider';
import type { GroupPasswordPolicyEvent } from './policy/domain/group-password-policy.events';
import {
  PASSWORD_POLICY_STREAM,
  type PasswordPolicyAgeChanged,
} from './policy/domain/password-policy-age.decider';
import { credentialStateChanged } from './user/read-models/credential-state';
import type { UserEvent } from './user/domain/user.events';

const USER_STREAM = 'user-';
const BULK_JOB_STREAM = 'bulk-job-';

function message(
  event: RecordedEvent,
  topic: string,
  key: string,
  type: string,
  payload: object,
): OutboundMessage {
  return { topic, key, headers: headersOf(event, type, 1), payload };
}

function userMessages(recorded: RecordedEvent): OutboundMessage[] {
  const userId = recorded.streamId.slice(USER_STREAM.length);
  const event = { type: recorded.type, data: recorded.data } as UserEvent;
  const users = (type: string, payload: object) =>
    message(recorded, TOPICS.directoryUsers, userId, type, payload);
  switch (event.type) {
    case 'UserCreated': {
      const { data } = event;
      const payload: UserCreatedV1 = {
        userId,
        login: data.profile.login,
        email: data.profile.email,
        firstName: data.profile.firstName,
        lastName: data.profile.lastName,
        mobilePhone: data.profile.mobilePhone,
        provider: data.provider,
        status: data.status,
        createdAt: data.createdAt,
        passwordChangedAt: data.password?.changedAt ?? null,
      };
      return [users(T.UserCreated, payload)];
    }
    case 'UserStatusChanged': {
      const payload: UserStatusChangedV1 = {
        userId,
        login: event.data.login,
        from: event.data.from,
        to: event.data.to,
        changedAt: event.data.at,
      };
      return [users(T.UserStatusChanged, payload)];
    }
    case 'UserProfileUpdated': {
      const { data } = event;
      const payload: UserProfileUpdatedV1 = {
        userId,
        login: data.profile.login,
        previousLogin: data.previousLogin,
        email: data.profile.email,
        firstName: data.profile.firstName,
        lastName: data.profile.lastName,
        mobilePhone: data.profile.mobilePhone,
        updatedAt: data.updatedAt,
      };
      return [users(T.UserProfileUpdated, payload)];
    }
    case 'PasswordSet': {
      const payload: PasswordChangedV1 = {
        userId,
        login: event.data.login,
        changedAt: event.data.changedAt,
        by: event.data.by,
      };
      return [users(T.PasswordChanged, payload)];
    }
    case 'PasswordExpired': {
      const { data } = event;
      const payload: PasswordExpiredV1 = {
        userId,
        login: data.login,
        provider: data.provider,
        cause: data.cause,
        ...(data.jobId ? { jobId: data.jobId } : {}),
        ...(data.reason ? { reason: data.reason } : {}),
        expiredAt: data.expiredAt,
        // A bulk expiry's one event also carries the credential change (no CredentialStateChanged follows).
        ...(data.credentialStatus
          ? { status: data.credentialStatus, credentialVersion: recorded.version }
          : {}),
      };
      return [users(T.PasswordExpired, payload)];
    }
    case 'TemporaryPasswordIssued': {
      const { data } = event;
      const expired: PasswordExpiredV1 = {
        userId,
        login: data.login,
        provider: data.provider,
        cause: 'ADMIN_TEMP_PASSWORD',
        ...(data.reason ? { reason: data.reason } : {}),
        expiredAt: data.issuedAt,
      };
      const messages = [users(T.PasswordExpired, expired)];
      if (data.sealedPassword && data.kid && data.channel) {
        const delivery: TemporaryPasswordDeliveryRequestedV1 = {
          deliveryId: data.deliveryId,
          userId,
          login: data.login,
          email: data.contact.email,
          mobilePhone: data.contact.mobilePhone,
          firstName: data.contact.firstName,
          channel: data.channel,
          sealedPassword: data.sealedPassword,
          kid: data.kid,
          expiresAt: data.expiresAt,
        };
        messages.push(
          message(
            recorded,
            TOPICS.directoryDeliveries,
            userId,
            T.TemporaryPasswordDeliveryRequested,
            delivery,
          ),
        );
      }
      return messages;
    }
    case 'PasswordAgeExemptionSet': {
      const payload: PasswordAgeExemptionChangedV1 = {
        userId,
        login: event.data.login,
        exempt: event.data.exempt,
        changedAt: event.data.at,
      };
      return [users(T.PasswordAgeExemptionChanged, payload)];
    }
    case 'SessionsRevoked': {
      const payload: SessionsRevokedV1 = {
        userId,
        reason: event.data.reason,
        revokedAt: event.data.revokedAt,
      };
      return [users(T.SessionsRevoked, payload)];
    }
    case 'UserAddedToGroup': {
      const payload: UserAddedToGroupV1 = {
        userId,
        login: event.data.login,
        groupId: event.data.groupId,
        addedAt: event.data.addedAt,
      };
      return [users(T.UserAddedToGroup, payload)];
    }
    case 'UserRemovedFromGroup': {
      const payload: UserRemovedFromGroupV1 = {
        userId,
        login: event.data.login,
        groupId: event.data.groupId,
        removedAt: event.data.removedAt,
      };
      return [users(T.UserRemovedFromGroup, payload)];
    }
    case 'CredentialStateRecorded':
      return [
        message(
          recorded,
          TOPICS.directoryCredentials,
          userId,
          T.CredentialStateChanged,
          credentialStateChanged(event.data, recorded.version),
        ),
      ];
    case 'RecoveryStarted': {
      const { data } = event;
      if (!data.email) return [];
      const request: PasswordResetEmailRequestedV1 = {
        deliveryId: data.email.deliveryId,
        userId,
        login: data.login,
        email: data.email.to,
        firstName: data.email.firstName,
        lastName: data.email.lastName,
        sealedLink: data.email.sealedLink,
        kid: data.email.kid,
        expiresAt: data.expiresAt,
      };
      return [message(recorded, TOPICS.directoryDeliveries, userId, T.PasswordResetEmailRequested, request)];
    }
    default:
      return [];
  }
}

function bulkJobMessages(recorded: RecordedEvent): OutboundMessage[] {
  const event = { type: recorded.type, data: recorded.data } as BulkJobEvent;
  switch (event.type) {
    case 'BulkPasswordExpiryStarted': {
      const { data } = event;
      const payload: BulkPasswordExpiryStartedV1 = {
        jobId: data.jobId,
        cutoff: data.cutoff,
        providers: data.providers,
        ...(data.groupIds ? { groupIds: data.groupIds } : {}),
        ...(data.scopedUsers !== undefined ? { scopedUsers: data.scopedUsers } : {}),
        ...(data.waves ? { waves: data.waves } : {}),
        total: data.total,
        ...(data.reason ? { reason: data.reason } : {}),
        startedAt: data.startedAt,
      };
      return [message(recorded, TOPICS.directoryUsers, data.jobId, T.BulkPasswordExpiryStarted, payload)];
    }
    case 'BulkPasswordExpiryUsersScoped': {
      const payload: BulkPasswordExpiryUsersScopedV1 = { ...event.data };
      return [
        message(recorded, TOPICS.directoryUsers, event.data.jobId, T.BulkPasswordExpiryUsersScoped, payload),
      ];
    }
    case 'BulkPasswordExpiryCompleted': {
      const payload: BulkPasswordExpiryCompletedV1 = { ...event.data };
      return [
        message(recorded, TOPICS.directoryUsers, event.data.jobId, T.BulkPasswordExpiryCompleted, payload),
      ];
    }
    default:
      return [];
  }
}

function groupMessages(recorded: RecordedEvent): OutboundMessage[] {
  const event = { type: recorded.type, data: recorded.data } as GroupEvent;
  const groups = (type: string, payload: object) =>
    message(recorded, TOPICS.directoryUsers, event.data.groupId, type, payload);
  switch (event.type) {
    case 'GroupCreated': {
      const { data } = event;
      const payload: GroupCreatedV1 = {
        groupId: data.groupId,
        name: data.profile.name,
        description: data.profile.description,
        createdAt: data.createdAt,
      };
      return [groups(T.GroupCreated, payload)];
    }
    case 'GroupProfileUpdated': {
      const { data } = event;
      const payload: GroupProfileUpdatedV1 = {
        groupId: data.groupId,
        name: data.profile.name,
        description: data.profile.description,
        updatedAt: data.updatedAt,
      };
      return [groups(T.GroupProfileUpdated, payload)];
    }
    case 'GroupDeleted': {
      const payload: GroupDeletedV1 = { groupId: event.data.groupId, deletedAt: event.data.deletedAt };
      return [groups(T.GroupDeleted, payload)];
    }
    default:
      return [];
  }
}

function adminTokenMessages(recorded: RecordedEvent): OutboundMessage[] {
  const event = { type: recorded.type, data: recorded.data } as AdminTokenEvent;
  switch (event.type) {
    case 'AdminTokenRevoked': {
      const payload: AdminTokenRevokedV1 = { tokenId: event.data.tokenId, revokedAt: event.data.revokedAt };
      return [message(recorded, TOPICS.directoryUsers, event.data.tokenId, T.AdminTokenRevoked, payload)];
    }
    default:
      return [];
  }
}

/**
 * Maps directory's private events to the published v1 contracts. Hashes travel only on the restricted
 * credentials topic, sealed temporary passwords and reset links only on the restricted deliveries topic; the public users
 * topic carries neither.
 */
function passwordPolicyMessages(recorded: RecordedEvent): OutboundMessage[] {
  const event = { type: recorded.type, data: recorded.data } as PasswordPolicyAgeChanged;
  if (event.type !== 'PasswordPolicyAgeChanged') return [];
  const payload: PasswordPolicyUpdatedV1 = { ...event.data };
  return [message(recorded, TOPICS.directoryUsers, PASSWORD_POLICY_STREAM, T.PasswordPolicyUpdated, payload)];
}

/** A group password policy's facts, keyed by policy id: the whole policy after each change. */
function groupPasswordPolicyMessages(recorded: RecordedEvent): OutboundMessage[] {
  const event = { type: recorded.type, data: recorded.data } as GroupPasswordPolicyEvent;
  const policies = (type: string, payload: object) =>
    message(recorded, TOPICS.directoryUsers, event.data.policyId, type, payload);
  switch (event.type) {
    case 'GroupPasswordPolicyCreated':
    case 'GroupPasswordPolicyReplaced': {
      const { data } = event;
      const payload: GroupPasswordPolicyChangedV1 = {
        policyId: data.policyId,
        name: data.name,
        status: data.status,
        priority: data.priority,
        prioritySetAt: data.prioritySetAt,
        groupIds: data.groupIds,
        provider: data.provider,
        settings: data.settings,
        changedAt: 'createdAt' in data ? data.createdAt : data.updatedAt,
      };
      return [policies(T.GroupPasswordPolicyChanged, payload)];
    }
    case 'GroupPasswordPolicyDeleted': {
      const payload: GroupPasswordPolicyDeletedV1 = {
        policyId: event.data.policyId,
        deletedAt: event.data.deletedAt,
      };
      return [policies(T.GroupPasswordPolicyDeleted, payload)];
    }
    default:
      return [];
  }
}

export const directoryPublication: Publication = (event) => {
  if (event.streamId === PASSWORD_POLICY_STREAM) return passwordPolicyMessages(event);
  if (event.streamId.startsWith(USER_STREAM)) return userMessages(event);
  if (event.streamId.startsWith(BULK_JOB_STREAM)) return bulkJobMessages(event);
  if (event.streamId.startsWith(ADMIN_TOKEN_STREAM)) return adminTokenMessages(event);
  if (event.streamId.startsWith(GROUP_STREAM)) return groupMessages(event);
  if (event.streamId.startsWith(GROUP_PASSWORD_POLICY_STREAM)) return groupPasswordPolicyMessages(event);
  return [];
};

export const DIRECTORY_PUBLISHED_TOPICS = [
  TOPICS.directoryUsers,
  TOPICS.directoryCredentials,
  TOPICS.directoryDeliveries,
];
