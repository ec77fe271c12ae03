import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type ConsumedMessage,
  IDENTITY_EVENT_TYPES,
  MessagingService,
  type SignInAttemptedV1,
  TOPICS,
  type UserSessionsClearedV1,
} from '@lapse/shared';
import type { PoolClient } from 'pg';
import { type AuditActor, writeAudit } from '../audit/audit-log';

export const SIGN_INS_CONSUMER = 'directory.identity-sessions';

/**
 * Identity's sign-in attempts and admins' session clears into the System Log (`user.session.start`,
 * `user.session.clear`), and each user's last successful sign-in (`lastLogin`), in the consumer's
 * transaction (the inbox dedupes redeliveries there).
 */
@Injectable()
export class RecordSignIns implements OnModuleInit {
  constructor(@Inject(MessagingService) private readonly messaging: MessagingService) {}

  async onModuleInit(): Promise<void> {
    await this.messaging.consume({
      name: SIGN_INS_CONSUMER,
      topics: [TOPICS.identitySessions],
      handlers: {
        [IDENTITY_EVENT_TYPES.SignInAttempted]: (message, tx) =>
          signInAttempted(message as ConsumedMessage<SignInAttemptedV1>, tx),
        [IDENTITY_EVENT_TYPES.UserSessionsCleared]: (message, tx) =>
          sessionsCleared(message as ConsumedMessage<UserSessionsClearedV1>, tx),
      },
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The actor of identity's event (`user:<id>`, `admin:<tokenId>`), else identity itself. */
function actorOf(actor: string | undefined, displayName: string | null): AuditActor {
  if (actor?.startsWith('user:')) return { id: actor.slice(5), type: 'User', displayName };
  if (actor?.startsWith('admin:')) return { id: actor.slice(6), type: 'AdminToken', displayName: null };
  return { id: 'identity', type: 'Service', displayName: 'identity' };
}

async function signInAttempted(message: ConsumedMessage<SignInAttemptedV1>, tx: PoolClient): Promise<void> {
  const p = message.payload;
  await writeAudit(tx, [
    {
      eventType: 'user.session.start',
      // Okta's actor of a sign-in is the user; of an attempt at a login nobody has, the login as typed.
      actor: p.userId
        ? actorOf(message.headers.actor, p.login)
        : { id: 'unknown', type: 'User', displayName: p.login },
      target: { id: p.userId ?? 'unknown', type: 'User', alternateId: p.login },
      outcome: p.outcome,
      reason: p.reason,
      correlationId: message.headers.correlationId ?? p.attemptId,
      displayMessage: p.outcome === 'SUCCESS' ? 'User login to Okta' : 'User login to Okta failed',
      debugData: { via: p.via, knownUser: p.userId !== null },
      clientIp: p.clientIp,
      published: p.attemptedAt,
    },
  ]);
  if (p.outcome === 'SUCCESS' && p.userId && UUID.test(p.userId)) {
    await tx.query(
      `INSERT INTO directory_user_last_logins (user_id, last_login) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET last_login = GREATEST(directory_user_last_logins.last_login, EXCLUDED.last_login)`,
      [p.userId, p.attemptedAt],
    );
  }
}

async function sessionsCleared(
  message: ConsumedMessage<UserSessionsClearedV1>,
  tx: PoolClient,
): Promise<void> {
  const p = message.payload;
  await writeAudit(tx, [
    {
      eventType: 'user.session.clear',
      actor: actorOf(message.headers.actor, null),
      target: { id: p.userId, type: 'User', alternateId: null },
      outcome: 'SUCCESS',
      reason: null,
      correlationId: message.headers.correlationId ?? p.userId,
      displayMessage: 'Clear user sessions',
      debugData: { sessionsEnded: p.sessionsEnded },
      clientIp: p.clientIp,
      published: p.clearedAt,
    },
  ]);
}
