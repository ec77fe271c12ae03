import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CLOCK,
  type Clock,
  Decide,
  DomainError,
  EventStoreProvider,
  isUniqueViolation,
  type RecordedEvent,
  ValidationFailedError,
} from '@lapse/shared';
import { keepASuperAdministrator } from '../admin-roles/last-super-admin';
import { type AuditEntry, type AuditEventType, writeAudit } from '../audit/audit-log';
import type { Caller } from '../common/caller';
import type { UserCommand } from './domain/user.commands';
import { userDecider, userStreamId } from './domain/user.decider';
import type { UserEvent, UserEventType } from './domain/user.events';
import type { UserState } from './domain/user.state';
import { LOGIN_CONSTRAINT, LOGIN_TAKEN } from './read-models/directory-users.projection';

/** How the command appears in the System Log. Debug data holds flags and ids, never a secret. */
export interface AuditSpec {
  readonly eventType: AuditEventType;
  readonly message: string;
  readonly reason?: string | null;
  readonly debugData?: Record<string, string | number | boolean | null>;
  /** Written only when the command appended an event of this type (one command, several audit records). */
  readonly when?: UserEventType;
}

export interface UserCommandOutcome {
  readonly state: UserState;
  readonly events: RecordedEvent[];
}

/**
 * Dispatches a user command on the CommandBus to the generic command handler, which keeps the user's inline
 * projections (admin read model and login claim, temporary-password delivery records:
 * `user.inline-projections.ts`) in the same transaction; this adds the command's System Log records there
 * too, and refuses in that transaction a command that would leave no active super administrator
 * (`keepASuperAdministrator`). A refused command is audited as a FAILURE with its Okta code.
 */
@Injectable()
export class UserCommandService {
  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly commandBus: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(
    userId: string,
    command: UserCommand,
    caller: Caller,
    audit?: AuditSpec | readonly AuditSpec[],
  ): Promise<UserCommandOutcome> {
    const audits: readonly AuditSpec[] = audit === undefined ? [] : Array.isArray(audit) ? audit : [audit];
    try {
      const result = await this.commandBus.execute(
        new Decide(
          userDecider,
          userStreamId(userId),
          command,
          { actor: caller.actor, correlationId: caller.correlationId },
          {
            inTransaction: async (tx, newEvents, before) => {
              const events = newEvents as UserEvent[];
              const after = events.reduce(userDecider.evolve, before);
              await keepASuperAdministrator(tx, before, after);
              const written = [
                ...audits.filter((spec) =>
                  spec.when ? events.some((event) => event.type === spec.when) : events.length > 0,
                ),
                ...sessionClearAudits(events),
              ];
              if (written.length > 0)
                await writeAudit(
                  tx,
                  written.map((spec) => auditEntry(spec, caller, userId, after, 'SUCCESS', command.at)),
                );
            },
          },
        ),
      );
      return { state: result.state, events: result.events };
    } catch (error) {
      const refusal = isUniqueViolation(error, LOGIN_CONSTRAINT)
        ? new ValidationFailedError([`login: ${LOGIN_TAKEN}`])
        : error;
      if (refusal instanceof DomainError && audits.length > 0) {
        const at = this.clock.now().toISOString();
        await writeAudit(
          this.eventStore.pool,
          audits.map((spec) =>
            auditEntry(
              { ...spec, reason: `${refusal.code}: ${refusal.message}` },
              caller,
              userId,
              null,
              'FAILURE',
              at,
            ),
          ),
        ).catch(() => undefined);
      }
      throw refusal;
    }
  }

  /** Records an outcome decided at the edge (e.g. an old password that did not verify). */
  async audit(
    userId: string,
    caller: Caller,
    audit: AuditSpec,
    outcome: 'SUCCESS' | 'FAILURE',
  ): Promise<void> {
    await writeAudit(this.eventStore.pool, [
      auditEntry(audit, caller, userId, null, outcome, this.clock.now().toISOString()),
    ]);
  }
}

function auditEntry(
  audit: AuditSpec,
  caller: Caller,
  userId: string,
  state: UserState | null,
  outcome: 'SUCCESS' | 'FAILURE',
  at: string,
): AuditEntry {
  return {
    eventType: audit.eventType,
    actor: caller.audit,
    target: {
      id: userId,
      type: 'User',
      alternateId: state && state.status !== 'NONE' ? state.profile.login : null,
    },
    outcome,
    reason: audit.reason ?? null,
    correlationId: caller.correlationId,
    displayMessage: audit.message,
    debugData: audit.debugData,
    published: at,
  };
}

/**
 * Every command that ends the user's sessions (suspend, deactivate, a used reset link, `revokeSessions=true`)
 * says so in the System Log too, as Okta does, with the reason identity receives; next to the command's own
 * record, whoever asked for it.
 */
function sessionClearAudits(events: readonly UserEvent[]): AuditSpec[] {
  return events.flatMap((event) =>
    event.type === 'SessionsRevoked'
      ? [
          {
            eventType: 'user.session.clear' as const,
            message: 'Clear user session',
            reason: event.data.reason,
            debugData: { revokedAt: event.data.revokedAt },
          },
        ]
      : [],
  );
}
