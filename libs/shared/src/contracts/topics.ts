/**
 * Kafka topics (and the same logical channels in embedded mode). Public topics may be read by any
 * consumer; restricted topics carry credential material (hashes, sealed envelopes) and are readable only
 * by the service named in the AsyncAPI document (`docs/asyncapi.yaml`).
 */
export const TOPICS = {
  /** Public user lifecycle and password-expiry facts. Key: user id (or job id for bulk facts). */
  directoryUsers: 'lapse.directory.users.v1',
  /** Restricted (identity only): credential state snapshots, including the argon2id password hash. */
  directoryCredentials: 'lapse.directory.credentials.v1',
  /** Restricted (notifier only): temporary passwords sealed for the notifier's public key. */
  directoryDeliveries: 'lapse.directory.deliveries.v1',
  /** Public: delivery outcomes published by the notifier. Key: user id. */
  notifierDeliveries: 'lapse.notifier.deliveries.v1',
  /** Restricted (directory only): sign-in attempts and sessions cleared by an admin, for the System Log. Key: user id, or the attempt id. */
  identitySessions: 'lapse.identity.sessions.v1',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
