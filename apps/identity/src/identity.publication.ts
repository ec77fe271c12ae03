import {
  headersOf,
  IDENTITY_EVENT_TYPES,
  type OutboundMessage,
  type Publication,
  type RecordedEvent,
  type SignInAttemptedV1,
  TOPICS,
  type UserSessionsClearedV1,
} from '@lapse/shared';
import {
  type IdentityEvent,
  SESSIONS_CLEARED_STREAM_PREFIX,
  SIGN_IN_STREAM_PREFIX,
} from './audit-trail/identity.events';

/** What identity publishes: its sign-in attempts and admins' session clears, for directory's System Log. */
export const identityPublication: Publication = (recorded: RecordedEvent): OutboundMessage[] => {
  if (
    !recorded.streamId.startsWith(SIGN_IN_STREAM_PREFIX) &&
    !recorded.streamId.startsWith(SESSIONS_CLEARED_STREAM_PREFIX)
  )
    return [];
  const event = { type: recorded.type, data: recorded.data } as IdentityEvent;
  switch (event.type) {
    case 'SignInAttempted': {
      const d = event.data;
      const payload: SignInAttemptedV1 = {
        attemptId: d.attemptId,
        userId: d.userId,
        login: d.login,
        outcome: d.outcome,
        reason: d.reason,
        via: d.via,
        clientIp: d.clientIp,
        attemptedAt: d.attemptedAt,
      };
      return [
        {
          topic: TOPICS.identitySessions,
          key: d.userId ?? d.attemptId,
          headers: headersOf(recorded, IDENTITY_EVENT_TYPES.SignInAttempted, 1),
          payload,
        },
      ];
    }
    case 'UserSessionsCleared': {
      const d = event.data;
      const payload: UserSessionsClearedV1 = {
        userId: d.userId,
        sessionsEnded: d.sessionsEnded,
        clientIp: d.clientIp,
        clearedAt: d.clearedAt,
      };
      return [
        {
          topic: TOPICS.identitySessions,
          key: d.userId,
          headers: headersOf(recorded, IDENTITY_EVENT_TYPES.UserSessionsCleared, 1),
          payload,
        },
      ];
    }
    default:
      return [];
  }
};
