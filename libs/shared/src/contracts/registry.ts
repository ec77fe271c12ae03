import { ContractRegistry, type PayloadCheck } from '../messaging/contract-registry';
import { DIRECTORY_EVENT_TYPES } from './directory.v1';
import { IDENTITY_EVENT_TYPES } from './identity.v1';
import { NOTIFIER_EVENT_TYPES } from './notifier.v1';

/** A minimal structural check: the payload is an object carrying the named string fields. */
export function requiresFields(...fields: string[]): PayloadCheck {
  return (payload) => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return 'payload is not an object';
    const record = payload as Record<string, unknown>;
    const missing = fields.filter((field) => typeof record[field] !== 'string' || record[field] === '');
    return missing.length > 0 ? `missing ${missing.join(', ')}` : null;
  };
}

/** Every published contract a Lapse consumer may receive, with its schema versions. */
export function publishedContracts(): ContractRegistry {
  const t = DIRECTORY_EVENT_TYPES;
  const n = NOTIFIER_EVENT_TYPES;
  return new ContractRegistry()
    .register(t.UserCreated, 1, requiresFields('userId', 'login'))
    .register(t.UserStatusChanged, 1, requiresFields('userId', 'from', 'to'))
    .register(t.UserProfileUpdated, 1, requiresFields('userId', 'login', 'previousLogin', 'updatedAt'))
    .register(t.PasswordExpired, 1, requiresFields('userId', 'cause', 'expiredAt'))
    .register(t.PasswordChanged, 1, requiresFields('userId', 'changedAt'))
    .register(t.SessionsRevoked, 1, requiresFields('userId', 'revokedAt'))
    .register(t.AdminTokenRevoked, 1, requiresFields('tokenId', 'revokedAt'))
    .register(t.PasswordAgeExemptionChanged, 1, requiresFields('userId', 'changedAt'))
    .register(t.PasswordPolicyUpdated, 1, requiresFields('updatedAt'))
    .register(t.GroupCreated, 1, requiresFields('groupId', 'name', 'createdAt'))
    .register(t.GroupProfileUpdated, 1, requiresFields('groupId', 'name', 'updatedAt'))
    .register(t.GroupDeleted, 1, requiresFields('groupId', 'deletedAt'))
    .register(t.UserAddedToGroup, 1, requiresFields('userId', 'groupId', 'addedAt'))
    .register(t.UserRemovedFromGroup, 1, requiresFields('userId', 'groupId', 'removedAt'))
    .register(t.GroupPasswordPolicyChanged, 1, requiresFields('policyId', 'status', 'changedAt'))
    .register(t.GroupPasswordPolicyDeleted, 1, requiresFields('policyId', 'deletedAt'))
    .register(t.BulkPasswordExpiryStarted, 1, requiresFields('jobId', 'cutoff'))
    .register(t.BulkPasswordExpiryCompleted, 1, requiresFields('jobId'))
    .register(t.BulkPasswordExpiryUsersScoped, 1, requiresFields('jobId'))
    .register(t.CredentialStateChanged, 1, requiresFields('userId', 'login', 'status'))
    .register(
      t.TemporaryPasswordDeliveryRequested,
      1,
      requiresFields('deliveryId', 'userId', 'sealedPassword', 'kid'),
    )
    .register(
      t.PasswordResetEmailRequested,
      1,
      requiresFields('deliveryId', 'userId', 'sealedLink', 'kid', 'expiresAt'),
    )
    .register(n.TemporaryPasswordDelivered, 1, requiresFields('deliveryId', 'userId'))
    .register(n.TemporaryPasswordDeliveryFailed, 1, requiresFields('deliveryId', 'userId', 'reason'))
    .register(n.PasswordResetEmailSent, 1, requiresFields('deliveryId', 'userId', 'sentAt'))
    .register(n.PasswordResetEmailFailed, 1, requiresFields('deliveryId', 'userId', 'reason'))
    .register(IDENTITY_EVENT_TYPES.SignInAttempted, 1, requiresFields('attemptId', 'login', 'outcome'))
    .register(IDENTITY_EVENT_TYPES.UserSessionsCleared, 1, requiresFields('userId', 'clearedAt'));
}
