import { randomUUID } from 'node:crypto';
import type { Queryable } from '@lapse/shared';

/** Okta System Log event types Lapse records. */
export type AuditEventType =
  | 'user.lifecycle.create'
  | 'user.lifecycle.activate'
  | 'user.lifecycle.suspend'
  | 'user.lifecycle.unsuspend'
  | 'user.lifecycle.deactivate'
  | 'user.account.expire_password'
  | 'user.account.update_password_expiry_exemption'
  | 'user.lifecycle.password_mass_expiry'
  | 'user.lifecycle.password_mass_expiry.cancel'
  | 'user.lifecycle.password_mass_expiry.upload'
  | 'user.account.reset_password'
  | 'user.account.update_password'
  | 'user.account.update_profile'
  | 'user.account.lock'
  | 'user.account.unlock_by_admin'
  | 'user.account.unlock'
  | 'user.session.start'
  | 'user.session.clear'
  | 'system.email.password_reset.sent_message'
  | 'system.temp_password.delivery'
  | 'system.api_token.create'
  | 'system.api_token.revoke'
  | 'policy.lifecycle.update'
  | 'policy.lifecycle.create'
  | 'policy.lifecycle.delete'
  | 'policy.lifecycle.activate'
  | 'policy.lifecycle.deactivate'
  | 'user.account.privilege.grant'
  | 'user.account.privilege.revoke'
  | 'group.lifecycle.create'
  | 'group.lifecycle.delete'
  | 'group.profile.update'
  | 'group.user_membership.add'
  | 'group.user_membership.remove';

export interface AuditActor {
  readonly id: string;
  readonly type: 'AdminToken' | 'User' | 'Service' | 'System';
  readonly displayName: string | null;
}

export interface AuditEntry {
  readonly eventType: AuditEventType;
  readonly actor: AuditActor;
  readonly target: { readonly id: string; readonly type: string; readonly alternateId: string | null } | null;
  readonly outcome: 'SUCCESS' | 'FAILURE';
  readonly reason: string | null;
  readonly correlationId: string;
  readonly displayMessage: string;
  /** Never a secret: flags and ids only. */
  readonly debugData?: Record<string, string | number | boolean | null>;
  /** The client's address (Okta's `client.ipAddress`), when the record comes from a client's request. */
  readonly clientIp?: string | null;
  readonly published: string;
}

/** Writes System-Log records, normally in the same transaction as the command they describe. */
export async function writeAudit(db: Queryable, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO directory_audit_log
       (id, published, event_type, actor_id, actor_type, actor_name, target_id, target_type, target_name,
        outcome, reason, correlation_id, display_message, debug_data, client_ip)
     SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::jsonb[],
                          $15::text[])`,
    [
      entries.map(() => randomUUID()),
      entries.map((e) => e.published),
      entries.map((e) => e.eventType),
      entries.map((e) => e.actor.id),
      entries.map((e) => e.actor.type),
      entries.map((e) => e.actor.displayName),
      entries.map((e) => e.target?.id ?? null),
      entries.map((e) => e.target?.type ?? null),
      entries.map((e) => e.target?.alternateId ?? null),
      entries.map((e) => e.outcome),
      entries.map((e) => e.reason),
      entries.map((e) => e.correlationId),
      entries.map((e) => e.displayMessage),
      entries.map((e) => JSON.stringify(e.debugData ?? {})),
      entries.map((e) => e.clientIp ?? null),
    ],
  );
}
