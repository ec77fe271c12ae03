import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  batchHandler,
  type ConsumedMessage,
  IDENTITY_EVENT_TYPES,
  MessagingService,
  type SignInAttemptedV1,
  TOPICS,
  type UserSessionsClearedV1,
} from '@lapse/shared';
import type { PoolClient } from 'pg';
import { type AuditActor, type AuditEntry, writeAudit } from '../audit/audit-log';

export const SIGN_INS_CONSUMER = 'directory.identity-sessions';

/**
 * Identity's sign-in attempts and admins' session clears into the System Log (`user.session.start`,
 * `user.session.clear`), and each user's last successful sign-in (`lastLogin`), in the consumer's
 * transaction (the inbox dedupes redeliveries there).
 *
 * Sign-ins come as runs, two statements a run whatever its length: at load identity sends hundreds a
 * second, and a consumer transaction that stays open holds back directory's own relay (it never reads past
 * a transaction still open), so one statement per sign-in delayed every expiry directory published behind
 * it (see docs/performance.md, "Consumers that hold back the relay").
 */
@Injectable()
export class RecordSignIns implements OnModuleInit {
  constructor(@Inject(MessagingService) private readonly messaging: MessagingService) {}

  async onModuleInit(): Promise<void> {
    await this.messaging.consume({
      name: SIGN_INS_CONSUMER,
      topics: [TOPICS.identitySessions],
      handlers: {
        [IDENTITY_EVENT_TYPES.SignInAttempted]: batchHandler((messages, tx) =>
          signInsAttempted(messages as readonly ConsumedMessage<SignInAttemptedV1>[], tx),
        ),
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

function sessionStart(message: ConsumedMessage<SignInAttemptedV1>): AuditEntry {
  const p = message.payload;
  return {
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
  };
}

/** A run of sign-ins: their System Log records in one statement, then each user's newest success. */
async function signInsAttempted(
  messages: readonly ConsumedMessage<SignInAttemptedV1>[],
  tx: PoolClient,
): Promise<void> {
  await writeAudit(tx, messages.map(sessionStart));
  const newest = new Map<string, string>();
  for (const { payload: p } of messages) {
    if (p.outcome !== 'SUCCESS' || !p.userId || !UUID.test(p.userId)) continue;
    const known = newest.get(p.userId);
    if (!known || Date.parse(p.attemptedAt) > Date.parse(known)) newest.set(p.userId, p.attemptedAt);
  }
  if (newest.size === 0) return;
  await tx.query(
    `INSERT INTO directory_user_last_logins (user_id, last_login)
     SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
     ON CONFLICT (user_id) DO UPDATE SET last_login = GREATEST(directory_user_last_logins.last_login, EXCLUDED.last_login)`,
    [[...newest.keys()], [...newest.values()]],
  );
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
