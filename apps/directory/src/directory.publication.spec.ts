import { fold, type RecordedEvent, TOPICS } from '@lapse/shared';
import { DEFAULT_PASSWORD_POLICY_V1 } from '@lapse/shared/core';
import { CONTRACT_SCHEMAS } from '@lapse/shared/contracts/schemas';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { directoryPublication } from './directory.publication';
import type { UserCommand } from './user/domain/user.commands';
import { userDecider } from './user/domain/user.decider';
import type { UserEvent } from './user/domain/user.events';

const USER = '6f1c2a52-93a4-4f7e-9d0e-3c1b1a0e0001';
const AT = '2026-01-01T00:00:00.000Z';
const flags = { delegatedPasswordReset: false };

/** Runs commands through the decider and records their events as the event store would. */
function record(...commands: UserCommand[]): RecordedEvent[] {
  const events: UserEvent[] = [];
  for (const command of commands) events.push(...userDecider.decide(command, fold(userDecider, events)));
  return events.map((event, index) => ({
    streamId: `user-${USER}`,
    version: index + 1,
    globalPosition: String(index + 1),
    transactionId: '1',
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      eventId: `e${index}`,
      correlationId: 'c',
      causationId: null,
      actor: 'admin:t',
      occurredAt: AT,
    },
    recordedAt: AT,
  }));
}

const create: UserCommand = {
  type: 'CreateUser',
  userId: USER,
  profile: {
    login: 'kay@example.com',
    email: 'kay@example.com',
    firstName: 'Kay',
    lastName: null,
    mobilePhone: '+15550100',
  },
  provider: { type: 'OKTA', name: 'OKTA' },
  password: { hash: '$argon2id$hash-one', changedAt: AT, by: 'ADMIN' },
  activate: true,
  expirePassword: false,
  at: AT,
};
const temporary: UserCommand = {
  type: 'ExpirePasswordWithTemporaryPassword',
  hash: '$argon2id$hash-temp',
  expiresAt: '2026-01-02T00:00:00.000Z',
  deliveryId: 'd-1',
  delivery: { channel: 'EMAIL', sealedPassword: 'eyJsealed', kid: 'k1' },
  revokeSessions: true,
  reason: null,
  at: AT,
  ...flags,
};

describe('the directory publication', () => {
  const messages = record(create, temporary).flatMap(directoryPublication);
  const on = (topic: string) => messages.filter((m) => m.topic === topic);

  it('publishes UserCreated, PasswordExpired (ADMIN_TEMP_PASSWORD) and SessionsRevoked on the public topic, keyed by user id', () => {
    expect(on(TOPICS.directoryUsers).map((m) => m.headers.eventType)).toEqual([
      'UserCreated',
      'PasswordExpired',
      'SessionsRevoked',
    ]);
    expect(on(TOPICS.directoryUsers).every((m) => m.key === USER)).toBe(true);
    expect(on(TOPICS.directoryUsers)[1].payload).toEqual({
      userId: USER,
      login: 'kay@example.com',
      provider: { type: 'OKTA', name: 'OKTA' },
      cause: 'ADMIN_TEMP_PASSWORD',
      expiredAt: AT,
    });
  });

  it('never puts a hash or a sealed secret on the public topic', () => {
    expect(JSON.stringify(on(TOPICS.directoryUsers))).not.toMatch(/argon2|eyJsealed/);
  });

  it('sends a full credential snapshot with the stream version on the restricted credentials topic', () => {
    const snapshots = on(TOPICS.directoryCredentials);
    expect(snapshots.map((m) => (m.payload as { credentialVersion: number }).credentialVersion)).toEqual([
      2, 5,
    ]);
    expect(snapshots[1].payload).toMatchObject({
      status: 'PASSWORD_EXPIRED',
      passwordHash: '$argon2id$hash-temp',
      passwordExpired: true,
      oneTimePassword: { expiresAt: '2026-01-02T00:00:00.000Z' },
    });
  });

  it('sends the sealed temporary password only on the restricted deliveries topic', () => {
    expect(on(TOPICS.directoryDeliveries).map((m) => m.payload)).toEqual([
      {
        deliveryId: 'd-1',
        userId: USER,
        login: 'kay@example.com',
        email: 'kay@example.com',
        mobilePhone: '+15550100',
        firstName: 'Kay',
        channel: 'EMAIL',
        sealedPassword: 'eyJsealed',
        kid: 'k1',
        expiresAt: '2026-01-02T00:00:00.000Z',
      },
    ]);
  });

  it('publishes nothing for a temporary password the admin delivers', () => {
    const adminDelivers = { ...temporary, delivery: null } as UserCommand;
    const published = record(create, adminDelivers).flatMap(directoryPublication);
    expect(published.filter((m) => m.topic === TOPICS.directoryDeliveries)).toEqual([]);
  });

  describe('for a bulk expiry', () => {
    const bulk: UserCommand = {
      type: 'ExpirePasswordInBulk',
      jobId: 'job-1',
      cutoff: '2026-01-02T00:00:00.000Z',
      reason: 'breach',
      at: '2026-01-02T00:00:00.000Z',
    };
    const published = record(create, bulk).flatMap(directoryPublication).slice(2);

    it('publishes one PasswordExpired carrying the credential change instead of a CredentialStateChanged', () => {
      expect(published.map((m) => [m.topic, m.headers.eventType])).toEqual([
        [TOPICS.directoryUsers, 'PasswordExpired'],
      ]);
      expect(published[0].payload).toEqual({
        userId: USER,
        login: 'kay@example.com',
        provider: { type: 'OKTA', name: 'OKTA' },
        cause: 'BULK',
        jobId: 'job-1',
        reason: 'breach',
        expiredAt: '2026-01-02T00:00:00.000Z',
        status: 'PASSWORD_EXPIRED',
        credentialVersion: 3,
      });
    });
  });

  describe('for a reset link', () => {
    const reset = (email: { deliveryId: string; sealedLink: string; kid: string } | null): UserCommand => ({
      type: 'ResetPassword',
      tokenHash: 'a'.repeat(64),
      expiresAt: '2026-01-01T01:00:00.000Z',
      email,
      revokeSessions: false,
      at: AT,
      ...flags,
    });
    const messagesOf = (command: UserCommand) =>
      record(create, command)
        .filter((event) => event.type === 'RecoveryStarted')
        .flatMap(directoryPublication);

    it('sends the sealed link to email only on the restricted deliveries topic, never the token hash', () => {
      const messages = messagesOf(reset({ deliveryId: 'd-2', sealedLink: 'eyJlink', kid: 'k1' }));
      expect(messages).toEqual([
        expect.objectContaining({
          topic: TOPICS.directoryDeliveries,
          key: USER,
          payload: {
            deliveryId: 'd-2',
            userId: USER,
            login: 'kay@example.com',
            email: 'kay@example.com',
            firstName: 'Kay',
            lastName: null,
            sealedLink: 'eyJlink',
            kid: 'k1',
            expiresAt: '2026-01-01T01:00:00.000Z',
          },
        }),
      ]);
      expect(messages[0].headers.eventType).toBe('PasswordResetEmailRequested');
      expect(JSON.stringify(messages)).not.toContain('a'.repeat(64));
    });

    it('publishes nothing for a link handed to the admin (sendEmail=false)', () => {
      expect(messagesOf(reset(null))).toEqual([]);
    });
  });

  describe('for a profile update by an admin', () => {
    const update: UserCommand = {
      type: 'UpdateUser',
      profile: { patch: { login: 'kay.new@example.com', lastName: 'Noor' }, replace: false },
      password: { hash: '$argon2id$hash-admin' },
      at: '2026-01-02T00:00:00.000Z',
      ...flags,
    };
    const published = record(create, update).flatMap(directoryPublication).slice(2);

    it('publishes UserProfileUpdated with the whole profile and the previous login, then the new password fact and snapshot', () => {
      expect(published.map((m) => [m.topic, m.headers.eventType])).toEqual([
        [TOPICS.directoryUsers, 'UserProfileUpdated'],
        [TOPICS.directoryUsers, 'PasswordChanged'],
        [TOPICS.directoryCredentials, 'CredentialStateChanged'],
      ]);
      expect(published[0].payload).toEqual({
        userId: USER,
        login: 'kay.new@example.com',
        previousLogin: 'kay@example.com',
        email: 'kay@example.com',
        firstName: 'Kay',
        lastName: 'Noor',
        mobilePhone: '+15550100',
        updatedAt: '2026-01-02T00:00:00.000Z',
      });
      expect(published[1].payload).toMatchObject({ login: 'kay.new@example.com', by: 'ADMIN' });
      expect(published[2].payload).toMatchObject({
        login: 'kay.new@example.com',
        passwordHash: '$argon2id$hash-admin',
      });
    });

    it('publishes payloads valid against their published JSON Schemas, with no hash on the public topic', () => {
      const ajv = addFormats(new Ajv({ allowUnionTypes: true }));
      for (const message of published) {
        const validate = ajv.compile(CONTRACT_SCHEMAS[message.headers.eventType]);
        expect({ type: message.headers.eventType, valid: validate(message.payload) }).toEqual({
          type: message.headers.eventType,
          valid: true,
        });
      }
      expect(JSON.stringify(published.filter((m) => m.topic === TOPICS.directoryUsers))).not.toMatch(
        /argon2/,
      );
    });
  });

  it('ignores streams of other services', () => {
    const [event] = record(create);
    expect(directoryPublication({ ...event, streamId: `session-${USER}` })).toEqual([]);
  });

  describe('for groups', () => {
    const GROUP = '5d7c2f7e-2a53-4c39-9f0e-5d5b7d3c1a11';
    const join: UserCommand = { type: 'AddUserToGroup', groupId: GROUP, at: AT };
    const leave: UserCommand = { type: 'RemoveUserFromGroup', groupId: GROUP, at: AT };

    it('publishes memberships on the public topic keyed by user id, valid against their schemas', () => {
      const published = record(create, join, leave).flatMap(directoryPublication).slice(-2);
      expect(published.map((m) => [m.topic, m.key, m.headers.eventType])).toEqual([
        [TOPICS.directoryUsers, USER, 'UserAddedToGroup'],
        [TOPICS.directoryUsers, USER, 'UserRemovedFromGroup'],
      ]);
      expect(published[0].payload).toEqual({
        userId: USER,
        login: 'kay@example.com',
        groupId: GROUP,
        addedAt: AT,
      });
      const ajv = addFormats(new Ajv({ strict: true, allowUnionTypes: true }));
      for (const m of published)
        expect(ajv.validate(CONTRACT_SCHEMAS[m.headers.eventType], m.payload)).toBe(true);
    });

    it("publishes a group's lifecycle keyed by group id, valid against their schemas", () => {
      const at = (version: number, type: string, data: object): RecordedEvent => ({
        streamId: `group-${GROUP}`,
        version,
        globalPosition: String(version),
        transactionId: '1',
        type,
        schemaVersion: 1,
        data,
        metadata: {
          eventId: `g${version}`,
          correlationId: 'c',
          causationId: null,
          actor: 'admin:t',
          occurredAt: AT,
        },
        recordedAt: AT,
      });
      const published = [
        at(1, 'GroupCreated', {
          groupId: GROUP,
          profile: { name: 'Finance', description: null },
          createdAt: AT,
        }),
        at(2, 'GroupProfileUpdated', {
          groupId: GROUP,
          profile: { name: 'Finance EU', description: 'EU' },
          updatedAt: AT,
        }),
        at(3, 'GroupDeleted', { groupId: GROUP, name: 'Finance EU', deletedAt: AT }),
      ].flatMap(directoryPublication);
      expect(published.map((m) => [m.topic, m.key, m.headers.eventType])).toEqual([
        [TOPICS.directoryUsers, GROUP, 'GroupCreated'],
        [TOPICS.directoryUsers, GROUP, 'GroupProfileUpdated'],
        [TOPICS.directoryUsers, GROUP, 'GroupDeleted'],
      ]);
      expect(published[2].payload).toEqual({ groupId: GROUP, deletedAt: AT });
      const ajv = addFormats(new Ajv({ strict: true, allowUnionTypes: true }));
      for (const m of published)
        expect(ajv.validate(CONTRACT_SCHEMAS[m.headers.eventType], m.payload)).toBe(true);
    });
  });

  describe('for group password policies', () => {
    it("publishes a policy's lifecycle keyed by policy id, the whole policy each time, valid against their schemas", () => {
      const POLICY = '7a0c2b41-1111-4e7f-9d0e-3c1b1a0e0002';
      const policy = {
        policyId: POLICY,
        name: 'Finance',
        description: null,
        status: 'ACTIVE',
        priority: 1,
        groupIds: ['g1'],
        provider: 'OKTA',
        settings: DEFAULT_PASSWORD_POLICY_V1,
      };
      const at = (version: number, type: string, data: object): RecordedEvent => ({
        streamId: `policy-${POLICY}`,
        version,
        globalPosition: String(version),
        transactionId: '1',
        type,
        schemaVersion: 1,
        data,
        metadata: {
          eventId: `p${version}`,
          correlationId: 'c',
          causationId: null,
          actor: 'admin:t',
          occurredAt: AT,
        },
        recordedAt: AT,
      });
      const published = [
        at(1, 'GroupPasswordPolicyCreated', { ...policy, createdAt: AT, prioritySetAt: AT }),
        at(2, 'GroupPasswordPolicyReplaced', {
          ...policy,
          status: 'INACTIVE',
          updatedAt: AT,
          prioritySetAt: AT,
        }),
        at(3, 'GroupPasswordPolicyDeleted', { policyId: POLICY, name: 'Finance', deletedAt: AT }),
      ].flatMap(directoryPublication);
      expect(published.map((m) => [m.topic, m.key, m.headers.eventType])).toEqual([
        [TOPICS.directoryUsers, POLICY, 'GroupPasswordPolicyChanged'],
        [TOPICS.directoryUsers, POLICY, 'GroupPasswordPolicyChanged'],
        [TOPICS.directoryUsers, POLICY, 'GroupPasswordPolicyDeleted'],
      ]);
      expect(published[1].payload).toMatchObject({
        status: 'INACTIVE',
        settings: DEFAULT_PASSWORD_POLICY_V1,
      });
      const ajv = addFormats(new Ajv({ strict: true, allowUnionTypes: true }));
      for (const m of published)
        expect(ajv.validate(CONTRACT_SCHEMAS[m.headers.eventType], m.payload)).toBe(true);
    });
  });
});
