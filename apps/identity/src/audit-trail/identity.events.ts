import type { DomainEvent, SignInAttemptedV1, UserSessionsClearedV1 } from '@lapse/shared';

/**
 * Identity's own events, one short stream each: a sign-in attempt (`sign_in-<attemptId>`) and an admin's
 * clearing of a user's sessions (`sessions_cleared-<eventId>`). They exist to be published to directory's
 * System Log; identity folds nothing from them. Their data is the published contract's payload.
 */
export const SIGN_IN_STREAM_PREFIX = 'sign_in-';
export const SESSIONS_CLEARED_STREAM_PREFIX = 'sessions_cleared-';

export type SignInAttempted = DomainEvent<'SignInAttempted', SignInAttemptedV1>;
export type UserSessionsCleared = DomainEvent<'UserSessionsCleared', UserSessionsClearedV1>;
export type IdentityEvent = SignInAttempted | UserSessionsCleared;
