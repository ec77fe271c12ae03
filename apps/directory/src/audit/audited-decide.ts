import type { Decider } from '@lapse/shared/event-sourcing/decider';
import type { DomainEvent } from '@lapse/shared/event-sourcing/event';
import { isUniqueViolation, ValidationFailedError } from '@lapse/shared';
import { Decide } from '@lapse/shared/nest/decide.command';
import type { CommandBus } from '@nestjs/cqrs';
import type { Caller } from '../common/caller';
import { type AuditEntry, type AuditEventType, writeAudit } from './audit-log';

/** What the System Log says of a change an administrator made to one stream (a group, a policy). */
export interface AuditedChange {
  readonly eventType: AuditEventType;
  readonly message: string;
  readonly target: AuditEntry['target'];
  /** The stream must not exist yet (a create). */
  readonly newStream?: boolean;
}

/**
 * A command for one stream whose events, when the decider emits any, are recorded in the System Log in the
 * same transaction, with the caller as actor; a command that changes nothing leaves no entry.
 */
export function auditedDecide<C extends { readonly at: string }, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  caller: Caller,
  change: AuditedChange,
): Decide<C, E, S> {
  return new Decide(
    decider,
    streamId,
    command,
    { actor: caller.actor, correlationId: caller.correlationId },
    {
      newStream: change.newStream,
      inTransaction: async (tx, events) => {
        if (events.length === 0) return;
        await writeAudit(tx, [
          {
            eventType: change.eventType,
            actor: caller.audit,
            target: change.target,
            outcome: 'SUCCESS',
            reason: null,
            correlationId: caller.correlationId,
            displayMessage: change.message,
            published: command.at,
          },
        ]);
      },
    },
  );
}

/** A name that must be unique in the organization: the index that says so and the error cause when it is taken. */
export interface UniqueName {
  readonly constraint: string;
  readonly cause: string;
}

/**
 * Runs `auditedDecide(...)` on the bus; a name another object already has (a violation of `name.constraint`)
 * is refused as Okta refuses it, a validation error with `name.cause`, and nothing is written.
 */
export async function executeAuditedDecide<C extends { readonly at: string }, E extends DomainEvent, S>(
  commandBus: CommandBus,
  decider: Decider<C, E, S>,
  streamId: string,
  command: C,
  caller: Caller,
  change: AuditedChange,
  name: UniqueName,
): Promise<void> {
  try {
    await commandBus.execute(auditedDecide(decider, streamId, command, caller, change));
  } catch (error) {
    if (isUniqueViolation(error, name.constraint)) throw new ValidationFailedError([name.cause]);
    throw error;
  }
}
