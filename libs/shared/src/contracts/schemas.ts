import { DEAD_LETTER_TOPIC } from '../transport/kafka-topic-admin';
import { TOPICS } from './topics';

/**
 * JSON Schemas (draft-07, the AsyncAPI schema dialect) of every published contract, and the AsyncAPI 3
 * document built from them (`docs/asyncapi.yaml` is this document rendered; a spec proves they match).
 * Schemas are strict (`additionalProperties: false`): a new field is a deliberate, documented change.
 */
export type JsonSchema = Record<string, unknown>;

const str = { type: 'string', minLength: 1 } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const instant = { type: 'string', format: 'date-time' } as const;
const nullableInstant = { type: ['string', 'null'], format: 'date-time' } as const;
const providerType = {
  type: 'string',
  enum: ['OKTA', 'ACTIVE_DIRECTORY', 'LDAP', 'FEDERATION', 'SOCIAL', 'IMPORT'],
} as const;
const userStatus = {
  type: 'string',
  enum: [
    'STAGED',
    'PROVISIONED',
    'ACTIVE',
    'RECOVERY',
    'PASSWORD_EXPIRED',
    'LOCKED_OUT',
    'SUSPENDED',
    'DEPROVISIONED',
  ],
} as const;
const provider = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'name'],
  properties: { type: providerType, name: str },
} as const;

function object(properties: Record<string, unknown>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    properties,
  };
}

const count = { type: 'integer', minimum: 0 } as const;
const flag = { type: 'boolean' } as const;
/** Okta's `settings.password` (password-policy.v1's PasswordPolicyV1). */
const passwordSettings = object({
  complexity: object({
    minLength: count,
    minLowerCase: count,
    minUpperCase: count,
    minNumber: count,
    minSymbol: count,
    excludeUsername: flag,
    excludeAttributes: { type: 'array', items: str },
    dictionary: object({ common: object({ exclude: flag }) }),
  }),
  age: object({ maxAgeDays: count, expireWarnDays: count, minAgeMinutes: count, historyCount: count }),
  lockout: object({ maxAttempts: count, autoUnlockMinutes: count, showLockoutFailures: flag }),
});

export const CONTRACT_SCHEMAS: Record<string, JsonSchema> = {
  UserCreated: object(
    {
      userId: str,
      login: str,
      email: nullableStr,
      firstName: nullableStr,
      lastName: nullableStr,
      mobilePhone: nullableStr,
      provider,
      status: userStatus,
      createdAt: instant,
      passwordChangedAt: nullableInstant,
    },
    ['passwordChangedAt'],
  ),
  UserStatusChanged: object({
    userId: str,
    login: str,
    from: userStatus,
    to: userStatus,
    changedAt: instant,
  }),
  UserProfileUpdated: object({
    userId: str,
    login: str,
    previousLogin: str,
    email: nullableStr,
    firstName: nullableStr,
    lastName: nullableStr,
    mobilePhone: nullableStr,
    updatedAt: instant,
  }),
  PasswordExpired: object(
    {
      userId: str,
      login: str,
      provider,
      cause: { type: 'string', enum: ['ADMIN', 'ADMIN_TEMP_PASSWORD', 'BULK', 'POLICY'] },
      jobId: str,
      reason: { type: 'string' },
      expiredAt: instant,
      status: userStatus,
      credentialVersion: { type: 'integer', minimum: 1 },
    },
    ['jobId', 'reason', 'status', 'credentialVersion'],
  ),
  PasswordChanged: object({
    userId: str,
    login: str,
    changedAt: instant,
    by: { type: 'string', enum: ['USER', 'ADMIN', 'IMPORT'] },
  }),
  SessionsRevoked: object({ userId: str, reason: str, revokedAt: instant }),
  AdminTokenRevoked: object({ tokenId: str, revokedAt: instant }),
  BulkPasswordExpiryStarted: object(
    {
      jobId: str,
      cutoff: instant,
      providers: { type: 'array', items: providerType, minItems: 1, uniqueItems: true },
      groupIds: { type: 'array', items: str, minItems: 1, uniqueItems: true },
      scopedUsers: { type: 'integer', minimum: 0 },
      waves: object({
        size: { type: 'integer', minimum: 1 },
        intervalMinutes: { type: 'integer', minimum: 1 },
        count: { type: 'integer', minimum: 1 },
      }),
      total: { type: 'integer', minimum: 0 },
      reason: { type: 'string' },
      startedAt: instant,
    },
    ['reason', 'groupIds', 'scopedUsers', 'waves'],
  ),
  BulkPasswordExpiryUsersScoped: object(
    {
      jobId: str,
      chunk: { type: 'integer', minimum: 1 },
      chunks: { type: 'integer', minimum: 1 },
      userIds: { type: 'array', items: str, minItems: 1, maxItems: 5000, uniqueItems: true },
      wave: { type: 'integer', minimum: 1 },
    },
    ['wave'],
  ),
  BulkPasswordExpiryCompleted: object({
    jobId: str,
    expired: { type: 'integer', minimum: 0 },
    skipped: { type: 'integer', minimum: 0 },
    completedAt: instant,
  }),
  PasswordAgeExemptionChanged: object({
    userId: str,
    login: str,
    exempt: { type: 'boolean' },
    changedAt: instant,
  }),
  PasswordPolicyUpdated: object({
    maxAgeDays: { type: 'integer', minimum: 0 },
    expireWarnDays: { type: 'integer', minimum: 0 },
    updatedAt: instant,
  }),
  GroupPasswordPolicyChanged: object({
    policyId: str,
    name: str,
    status: { type: 'string', enum: ['ACTIVE', 'INACTIVE'] },
    priority: { type: 'integer', minimum: 1 },
    prioritySetAt: instant,
    groupIds: { type: 'array', items: str },
    provider: { type: 'string', enum: ['OKTA', 'ACTIVE_DIRECTORY'] },
    settings: passwordSettings,
    changedAt: instant,
  }),
  GroupPasswordPolicyDeleted: object({ policyId: str, deletedAt: instant }),
  GroupCreated: object({ groupId: str, name: str, description: nullableStr, createdAt: instant }),
  GroupProfileUpdated: object({ groupId: str, name: str, description: nullableStr, updatedAt: instant }),
  GroupDeleted: object({ groupId: str, deletedAt: instant }),
  UserAddedToGroup: object({ userId: str, login: str, groupId: str, addedAt: instant }),
  UserRemovedFromGroup: object({ userId: str, login: str, groupId: str, removedAt: instant }),
  CredentialStateChanged: object(
    {
      userId: str,
      login: str,
      provider,
      status: userStatus,
      credentialVersion: { type: 'integer', minimum: 1 },
      passwordHash: { type: ['string', 'null'], pattern: '^\\$argon2id\\$' },
      passwordChangedAt: nullableInstant,
      passwordExpired: { type: 'boolean' },
      oneTimePassword: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['expiresAt'],
            properties: { expiresAt: instant },
          },
        ],
      },
      passwordAgeExempt: { const: true },
      changedAt: instant,
    },
    ['passwordAgeExempt'],
  ),
  TemporaryPasswordDeliveryRequested: object({
    deliveryId: str,
    userId: str,
    login: str,
    email: nullableStr,
    mobilePhone: nullableStr,
    firstName: nullableStr,
    channel: { type: 'string', enum: ['AUTO', 'EMAIL', 'VOICE'] },
    sealedPassword: {
      type: 'string',
      description: 'JWE compact serialization (5 base64url parts)',
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    },
    kid: str,
    expiresAt: instant,
  }),
  PasswordResetEmailRequested: object({
    deliveryId: str,
    userId: str,
    login: str,
    email: nullableStr,
    firstName: nullableStr,
    lastName: nullableStr,
    sealedLink: {
      type: 'string',
      description:
        'JWE compact serialization (5 base64url parts) of {resetPasswordUrl, userId, deliveryId, expiresAt}',
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
    },
    kid: str,
    expiresAt: instant,
  }),
  TemporaryPasswordDelivered: object({
    deliveryId: str,
    userId: str,
    channel: { type: 'string', enum: ['EMAIL', 'VOICE'] },
    deliveredAt: instant,
  }),
  TemporaryPasswordDeliveryFailed: object({
    deliveryId: str,
    userId: str,
    channel: { type: ['string', 'null'], enum: ['EMAIL', 'VOICE', null] },
    reason: str,
    attempts: { type: 'integer', minimum: 0 },
    failedAt: instant,
  }),
  PasswordResetEmailSent: object({
    deliveryId: str,
    userId: str,
    sentAt: instant,
  }),
  PasswordResetEmailFailed: object({
    deliveryId: str,
    userId: str,
    reason: str,
    attempts: { type: 'integer', minimum: 0 },
    failedAt: instant,
  }),
  SignInAttempted: object({
    attemptId: str,
    userId: nullableStr,
    login: str,
    outcome: { type: 'string', enum: ['SUCCESS', 'FAILURE'] },
    reason: {
      type: ['string', 'null'],
      enum: [
        'INVALID_CREDENTIALS',
        'VERIFICATION_ERROR',
        'LOCKED_OUT',
        'PASSWORD_EXPIRED',
        'TEMPORARY_PASSWORD_EXPIRED',
        'PASSWORD_WARN',
        null,
      ],
    },
    via: { type: 'string', enum: ['AUTHN', 'SESSION'] },
    clientIp: nullableStr,
    attemptedAt: instant,
  }),
  UserSessionsCleared: object({
    userId: str,
    sessionsEnded: { type: 'integer', minimum: 0 },
    clientIp: nullableStr,
    clearedAt: instant,
  }),
};

/** Headers every message carries (Kafka record headers; the same fields in embedded mode). */
export const HEADERS_SCHEMA: JsonSchema = object({
  eventId: str,
  eventType: str,
  schemaVersion: { type: 'integer', minimum: 1 },
  correlationId: str,
  causationId: nullableStr,
  actor: { type: 'string', pattern: '^(admin:|user:|service:|system$)' },
  occurredAt: instant,
});

/**
 * The Kafka record headers of every published message, named and written as the Kafka transport writes them
 * (`stringHeaders` in transport/kafka-message-headers.ts): every value is text. Consumers ignore headers they
 * do not know (others, such as trace context, may be added).
 */
export const KAFKA_HEADERS_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  required: ['event-id', 'event-type', 'schema-version', 'correlation-id', 'actor', 'occurred-at'],
  properties: {
    'event-id': {
      ...str,
      description: 'Unique per event and stable across redeliveries: the key to deduplicate on.',
    },
    'event-type': { ...str, description: 'The message name (UserCreated, PasswordExpired, …).' },
    'schema-version': {
      type: 'string',
      pattern: '^[1-9][0-9]*$',
      description: 'The version of the payload schema, a whole number as text (every message here is 1).',
    },
    'correlation-id': { ...str, description: 'The request (or job) the event belongs to.' },
    'causation-id': { ...str, description: 'The event that caused this one; absent when none did.' },
    actor: {
      type: 'string',
      pattern: '^(admin:|user:|service:|system$)',
      description: 'Who caused it: admin:<token id>, user:<user id>, service:<name> or system.',
    },
    'occurred-at': instant,
    traceparent: {
      type: 'string',
      pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description:
        'W3C trace context of the span that decided the event; present only when the publisher traces (OTEL_TRACES_EXPORTER).',
    },
  },
};

/** What a consumer that gave up on a message adds to the original record's headers on the dead-letter topic. */
export const DEAD_LETTER_HEADERS_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  required: ['dead-letter-reason', 'dead-letter-consumer', 'dead-letter-attempts', 'original-topic'],
  properties: {
    ...(KAFKA_HEADERS_SCHEMA.properties as Record<string, unknown>),
    'dead-letter-reason': { type: 'string', maxLength: 2000, description: 'Why it was parked.' },
    'dead-letter-consumer': { ...str, description: 'The consumer (its group id) that parked it.' },
    'dead-letter-attempts': { type: 'string', pattern: '^[0-9]+$', description: 'How often it was tried.' },
    'original-topic': { ...str, description: 'Where the message was read.' },
  },
};

interface ChannelSpec {
  readonly topic: string;
  readonly description: string;
  readonly key: string;
  readonly access: string;
  readonly messages: readonly string[];
  readonly publisher: string;
}

export const CHANNELS: Record<string, ChannelSpec> = {
  directoryUsers: {
    topic: TOPICS.directoryUsers,
    description: 'Public user lifecycle and password-expiry facts. Never carries a password, hash or secret.',
    key: 'user id (job id for the bulk facts, token id for AdminTokenRevoked, `password-policy` for PasswordPolicyUpdated, group id for GroupCreated, GroupProfileUpdated and GroupDeleted, policy id for GroupPasswordPolicyChanged and GroupPasswordPolicyDeleted)',
    access: 'public: any Lapse or third-party consumer',
    publisher: 'directory',
    messages: [
      'UserCreated',
      'UserStatusChanged',
      'UserProfileUpdated',
      'PasswordExpired',
      'PasswordChanged',
      'SessionsRevoked',
      'BulkPasswordExpiryStarted',
      'BulkPasswordExpiryCompleted',
      'BulkPasswordExpiryUsersScoped',
      'AdminTokenRevoked',
      'PasswordAgeExemptionChanged',
      'PasswordPolicyUpdated',
      'GroupCreated',
      'GroupProfileUpdated',
      'GroupDeleted',
      'UserAddedToGroup',
      'UserRemovedFromGroup',
      'GroupPasswordPolicyChanged',
      'GroupPasswordPolicyDeleted',
    ],
  },
  directoryCredentials: {
    topic: TOPICS.directoryCredentials,
    description:
      'Restricted: full credential snapshots (argon2id hash included) identity needs to verify passwords and gate sessions. Keep the highest credentialVersion per user.',
    key: 'user id',
    access: 'restricted: identity only',
    publisher: 'directory',
    messages: ['CredentialStateChanged'],
  },
  directoryDeliveries: {
    topic: TOPICS.directoryDeliveries,
    description:
      'Restricted: temporary passwords and reset links sealed for the notifier (JWE compact, ECDH-ES+A256KW / A256GCM, kid in the protected header; payload {tempPassword, userId, deliveryId, expiresAt} or {resetPasswordUrl, userId, deliveryId, expiresAt}).',
    key: 'user id',
    access: 'restricted: notifier only',
    publisher: 'directory',
    messages: ['TemporaryPasswordDeliveryRequested', 'PasswordResetEmailRequested'],
  },
  notifierDeliveries: {
    topic: TOPICS.notifierDeliveries,
    description: 'Public: outcome of temporary-password deliveries and reset-link emails.',
    key: 'user id',
    access: 'public',
    publisher: 'notifier',
    messages: [
      'TemporaryPasswordDelivered',
      'TemporaryPasswordDeliveryFailed',
      'PasswordResetEmailSent',
      'PasswordResetEmailFailed',
    ],
  },
  identitySessions: {
    topic: TOPICS.identitySessions,
    description:
      'Restricted: password sign-in attempts (the username as typed when no user has it, and the client address) and sessions an administrator cleared, for the System Log. Never a password, session id or token.',
    key: 'user id (the attempt id when no user has the login)',
    access: 'restricted: directory only',
    publisher: 'identity',
    messages: ['SignInAttempted', 'UserSessionsCleared'],
  },
};

/** A consumer group reading one channel; a consumer reading two topics appears once for each. */
interface ConsumerSpec {
  readonly service: 'directory' | 'identity' | 'notifier';
  /** The consumer's name, which is its Kafka group id. */
  readonly consumer: string;
  readonly channel: string;
  readonly messages: readonly string[];
  readonly description: string;
}

/** Who reads what: the receive operations of the document (the consumers' handlers, by event type). */
export const CONSUMERS: readonly ConsumerSpec[] = [
  {
    service: 'identity',
    consumer: 'identity.credential-projection',
    channel: 'directoryCredentials',
    messages: ['CredentialStateChanged'],
    description:
      "Identity's credential projection: the snapshot sign-in checks passwords and statuses against.",
  },
  {
    service: 'identity',
    consumer: 'identity.credential-projection',
    channel: 'directoryUsers',
    messages: [
      'BulkPasswordExpiryStarted',
      'BulkPasswordExpiryUsersScoped',
      'PasswordExpired',
      'SessionsRevoked',
      'AdminTokenRevoked',
      'UserAddedToGroup',
      'UserRemovedFromGroup',
      'GroupDeleted',
    ],
    description:
      "Identity's credential projection: expiries (a bulk expiry's cutoff first, scoped to groups by the memberships it keeps, or to the users its chunks list), sessions to end, admin tokens to forget.",
  },
  {
    service: 'notifier',
    consumer: 'notifier.deliveries',
    channel: 'directoryDeliveries',
    messages: ['TemporaryPasswordDeliveryRequested', 'PasswordResetEmailRequested'],
    description: 'The notifier schedules the delivery of sealed temporary passwords and reset links.',
  },
  {
    service: 'notifier',
    consumer: 'notifier.contacts',
    channel: 'directoryUsers',
    messages: [
      'UserCreated',
      'UserProfileUpdated',
      'PasswordChanged',
      'UserStatusChanged',
      'PasswordAgeExemptionChanged',
      'PasswordPolicyUpdated',
      'PasswordExpired',
      'UserAddedToGroup',
      'UserRemovedFromGroup',
      'GroupDeleted',
      'GroupPasswordPolicyChanged',
      'GroupPasswordPolicyDeleted',
    ],
    description:
      "The notifier keeps contacts (their current email), password ages, the policies' age settings and the group memberships that decide each user's policy, for reminders before expiry, and with NOTIFY_ON_ADMIN_EXPIRY=true tells users an administrator expired their password.",
  },
  {
    service: 'directory',
    consumer: 'directory.temp-password-deliveries',
    channel: 'notifierDeliveries',
    messages: [
      'TemporaryPasswordDelivered',
      'TemporaryPasswordDeliveryFailed',
      'PasswordResetEmailSent',
      'PasswordResetEmailFailed',
    ],
    description: 'Directory records delivery outcomes on the user and in the System Log.',
  },
  {
    service: 'directory',
    consumer: 'directory.identity-sessions',
    channel: 'identitySessions',
    messages: ['SignInAttempted', 'UserSessionsCleared'],
    description: 'Directory writes sign-ins and cleared sessions to the System Log and keeps lastLogin.',
  },
];

const DEAD_LETTERS_CHANNEL = 'deadLetters';

const MESSAGE_SUMMARIES: Record<string, string> = {
  UserCreated: 'A user was created (with or without a password).',
  UserStatusChanged: 'A lifecycle transition (activate, suspend, unsuspend, deactivate, lock, unlock).',
  UserProfileUpdated:
    'An admin changed the profile: the whole profile after the change; previousLogin differs from login when the login changed.',
  PasswordExpired:
    'A password must be changed at next sign-in. cause BULK carries the job id and, like cause POLICY (the age-expiry sweep: the password is past the policy maxAgeDays), instead of a CredentialStateChanged, the credential change: the latest snapshot with this status and passwordExpired true, at this credentialVersion.',
  PasswordChanged: 'A password was set or changed. Only the fact, never the password or hash.',
  SessionsRevoked: "The user's sessions must end (identity revokes them).",
  BulkPasswordExpiryStarted:
    'The single enforcing fact of a bulk expiry: every user of `providers` whose password was last set before `cutoff` is expired; with `groupIds`, only the members of those groups; with `scopedUsers`, only the users its BulkPasswordExpiryUsersScoped chunks list. Published before any per-user PasswordExpired.',
  BulkPasswordExpiryCompleted: 'The per-user fan-out of a bulk expiry finished.',
  BulkPasswordExpiryUsersScoped:
    'One chunk (at most 5,000 ids, chunk of chunks) of the explicit user set of a bulk expiry whose start carries scopedUsers: the expiry applies to these users (of its providers and groups) once their chunk is in. With wave, a staged expiry wave started and these are its users.',
  AdminTokenRevoked:
    'An admin API token was revoked: a service caching introspection answers drops it at once. Never the token or its hash.',
  PasswordAgeExemptionChanged:
    "An admin exempted the user from the password policy's maximum age (exempt true), or ended the exemption.",
  PasswordPolicyUpdated:
    "The password policy's age settings after an admin's change: maxAgeDays (0: never) and expireWarnDays.",
  GroupCreated:
    'An administrator created a group (Okta OKTA_GROUP): its name (unique in the org) and description.',
  GroupProfileUpdated: "The group's profile after an administrator's change.",
  GroupDeleted:
    'The group was deleted, and every membership in it with it: no UserRemovedFromGroup per member follows.',
  UserAddedToGroup: "The user joined a group (keyed by user id, in order with the user's other facts).",
  UserRemovedFromGroup: 'The user left a group.',
  GroupPasswordPolicyChanged:
    "A password policy scoped to groups as an administrator left it: conditions (groups, provider), priority, status and settings.password. A user's policy is the first active one by priority naming one of their groups; else the default (PasswordPolicyUpdated).",
  GroupPasswordPolicyDeleted:
    'A group password policy was deleted: its members fall to the next matching policy.',
  CredentialStateChanged: 'Credential snapshot after every sign-in-relevant change.',
  TemporaryPasswordDeliveryRequested: 'Deliver this sealed temporary password to the user.',
  PasswordResetEmailRequested:
    "Email this sealed reset-password link to the user (an admin's reset_password with sendEmail=true).",
  TemporaryPasswordDelivered: 'The notifier delivered a temporary password.',
  PasswordResetEmailSent: 'The notifier handed the reset-link email to the mail relay.',
  PasswordResetEmailFailed: 'The notifier gave up emailing a reset link.',
  TemporaryPasswordDeliveryFailed: 'The notifier gave up delivering a temporary password.',
  SignInAttempted:
    'Identity answered a password sign-in: outcome SUCCESS or FAILURE with a reason (directory logs user.session.start and keeps lastLogin).',
  UserSessionsCleared:
    'An administrator ended every session of a user at identity (directory logs user.session.clear).',
};

/** The AsyncAPI 3.0 document as a plain object. */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const [id, channel] of Object.entries(CHANNELS)) {
    channels[id] = {
      address: channel.topic,
      description: `${channel.description} Key: ${channel.key}. Access: ${channel.access}.`,
      messages: Object.fromEntries(
        channel.messages.map((name) => [name, { $ref: `#/components/messages/${name}` }]),
      ),
    };
    operations[`publish${id[0].toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      summary: `Published by ${channel.publisher}.`,
      channel: { $ref: `#/channels/${id}` },
      messages: channel.messages.map((name) => ({ $ref: `#/channels/${id}/messages/${name}` })),
    };
    for (const name of channel.messages) {
      messages[name] = {
        name,
        title: `${name} v1`,
        summary: MESSAGE_SUMMARIES[name],
        contentType: 'application/json',
        headers: { $ref: '#/components/schemas/KafkaHeaders' },
        payload: { $ref: `#/components/schemas/${name}V1` },
        bindings: { kafka: { key: { type: 'string', description: channel.key }, bindingVersion: '0.5.0' } },
      };
    }
  }
  for (const spec of CONSUMERS) {
    const id = `${camel(spec.consumer)}Receives${spec.channel[0].toUpperCase()}${spec.channel.slice(1)}`;
    operations[id] = {
      action: 'receive',
      summary: `Consumed by ${spec.service} (consumer group ${spec.consumer}).`,
      description: spec.description,
      channel: { $ref: `#/channels/${spec.channel}` },
      messages: spec.messages.map((name) => ({ $ref: `#/channels/${spec.channel}/messages/${name}` })),
      bindings: {
        kafka: { groupId: { type: 'string', enum: [spec.consumer] }, bindingVersion: '0.5.0' },
      },
    };
  }
  channels[DEAD_LETTERS_CHANNEL] = {
    address: DEAD_LETTER_TOPIC,
    description:
      'Messages a consumer could not apply after its attempts (or could not read at all), parked in its own database table and copied here: the original key and value byte for byte, the original headers, and why. Key: the original key. Access: operators; it may carry anything the original topics carry, restricted ones included.',
    messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
  };
  operations.parkDeadLetters = {
    action: 'send',
    summary: 'Published by every consumer of every service when it parks a message.',
    channel: { $ref: `#/channels/${DEAD_LETTERS_CHANNEL}` },
    messages: [{ $ref: `#/channels/${DEAD_LETTERS_CHANNEL}/messages/DeadLetter` }],
  };
  messages.DeadLetter = {
    name: 'DeadLetter',
    title: 'A parked message',
    summary: 'The original record as it was read, with headers saying which consumer parked it and why.',
    headers: { $ref: '#/components/schemas/DeadLetterHeaders' },
    payload: {
      description:
        'The original value byte for byte: JSON of one of the messages above, or what could not be parsed.',
    },
    bindings: {
      kafka: { key: { type: 'string', description: 'the original key' }, bindingVersion: '0.5.0' },
    },
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Lapse events',
      version: '1.0.0',
      description:
        'Published contracts of Lapse (directory, identity and notifier). Event id, type and schema version travel in the event-id, event-type and schema-version Kafka headers (text); payloads are JSON of that type and version. Deduplicate on event-id: delivery is at least once. Restricted topics must be ACL-protected to the named consumer.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: 'localhost:9092',
        protocol: 'kafka',
        description: 'Microservices mode (embedded mode uses the same contracts over the PostgreSQL log).',
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: {
        KafkaHeaders: KAFKA_HEADERS_SCHEMA,
        DeadLetterHeaders: DEAD_LETTER_HEADERS_SCHEMA,
        ...Object.fromEntries(
          Object.entries(CONTRACT_SCHEMAS).map(([name, schema]) => [`${name}V1`, schema]),
        ),
      },
    },
  };
}

/** `identity.credential-projection` → `identityCredentialProjection`. */
function camel(name: string): string {
  return name.replace(/[.-]([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** A small YAML emitter for JSON-like data (objects, arrays, strings, numbers, booleans, null). */
export function toYaml(value: unknown, indent = 0): string {
  const pad = ' '.repeat(indent);
  const scalar = (v: unknown): string => {
    if (v === null) return 'null';
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  };
  const isScalar = (v: unknown) =>
    v === null ||
    typeof v !== 'object' ||
    (Array.isArray(v) ? v.length === 0 : Object.keys(v as object).length === 0);
  const inline = (v: unknown) =>
    Array.isArray(v) ? '[]' : typeof v === 'object' && v !== null ? '{}' : scalar(v);
  if (Array.isArray(value)) {
    return value
      .map((item) => (isScalar(item) ? `${pad}- ${inline(item)}\n` : `${pad}-\n${toYaml(item, indent + 2)}`))
      .join('');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => {
      const name = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key) ? key : JSON.stringify(key);
      return isScalar(item)
        ? `${pad}${name}: ${inline(item)}\n`
        : `${pad}${name}:\n${toYaml(item, indent + 2)}`;
    })
    .join('');
}

export function renderAsyncApi(): string {
  return `# Generated from libs/shared/src/contracts/schemas.ts (UPDATE_ASYNCAPI=1 npx jest --selectProjects unit schemas).\n${toYaml(asyncApiDocument())}`;
}
