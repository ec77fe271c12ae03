/**
 * Published contracts of the identity service, schema version 1. Topic `lapse.identity.sessions.v1`
 * (restricted: directory only, which keeps them in the System Log). Never a password, hash, session id or token.
 */

/** Okta's `user.session.start` outcome reasons Lapse records (`outcome.reason` in the System Log). */
export type SignInFailureReason =
  | 'INVALID_CREDENTIALS'
  | 'VERIFICATION_ERROR'
  | 'LOCKED_OUT'
  | 'PASSWORD_EXPIRED'
  | 'TEMPORARY_PASSWORD_EXPIRED';

/** One password sign-in answered by identity (`/api/v1/authn` or the legacy `POST /api/v1/sessions`). */
export interface SignInAttemptedV1 {
  readonly attemptId: string;
  /** Null when no user has that login (the attempt is logged against the username as typed). */
  readonly userId: string | null;
  /** The user's login when known, else the username as typed. */
  readonly login: string;
  readonly outcome: 'SUCCESS' | 'FAILURE';
  /** Null on SUCCESS, except `PASSWORD_WARN` (signed in inside the expiry warning window). */
  readonly reason: SignInFailureReason | 'PASSWORD_WARN' | null;
  /** `AUTHN` (`/api/v1/authn`) or `SESSION` (legacy `POST /api/v1/sessions {username, password}`). */
  readonly via: 'AUTHN' | 'SESSION';
  /** The client's address (Okta's `client.ipAddress`), as the edge saw it (see `TRUST_PROXY`). */
  readonly clientIp: string | null;
  readonly attemptedAt: string;
}

/** An administrator ended every session of a user at identity (`DELETE /api/v1/users/{id}/sessions`). */
export interface UserSessionsClearedV1 {
  readonly userId: string;
  readonly sessionsEnded: number;
  readonly clientIp: string | null;
  readonly clearedAt: string;
}

export const IDENTITY_EVENT_TYPES = {
  SignInAttempted: 'SignInAttempted',
  UserSessionsCleared: 'UserSessionsCleared',
} as const;
