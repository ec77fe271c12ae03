import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CLOCK,
  type Clock,
  ID_SOURCE,
  type IdSource,
  NotFoundError,
  PG_POOL,
  type Queryable,
  ValidationFailedError,
} from '@lapse/shared';
import type { PasswordPolicySetV1 } from '@lapse/shared/core';
import type { Pool } from 'pg';
import type { AuditEventType } from '../audit/audit-log';
import { executeAuditedDecide } from '../audit/audited-decide';
import type { Caller } from '../common/caller';
import { unknownGroupIds } from '../group/group.presenter';
import {
  type GroupPasswordPolicyCommand,
  groupPasswordPolicyDecider,
  groupPasswordPolicyStreamId,
} from './domain/group-password-policy.decider';
import type {
  GroupPasswordPolicy,
  PolicyProvider,
  PolicyStatus,
} from './domain/group-password-policy.events';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from './domain/password-policy';
import { POLICY_NAME_CONSTRAINT } from './password-policies.projection';
import { POLICY_ORDER as ORDER } from './password-policy.store';
import {
  mergePasswordPolicy,
  nullPaths,
  type PasswordPolicyChange,
  PasswordPolicyStore,
} from './password-policy.store';

/** A group policy as the read model holds it, with its place among all policies (`rank`, 1 first). */
export interface GroupPolicyRow {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly status: PolicyStatus;
  readonly rank: number;
  /** As an administrator set it; `rank` is the place it gives among the others. */
  readonly priority: number;
  readonly group_ids: string[];
  readonly provider: PolicyProvider;
  readonly settings: PasswordPolicy;
  readonly created_at: Date;
  readonly last_updated: Date;
}

/** What an administrator sends to create or replace a group policy (validated by the request DTOs). */
export interface GroupPolicyInput {
  readonly name: string;
  readonly description?: string | null;
  readonly status?: PolicyStatus;
  readonly priority?: number;
  readonly groupIds: readonly string[];
  readonly provider?: PolicyProvider;
  readonly password?: PasswordPolicyChange;
}

/** Okta places a policy created without a priority just above the default: last among the group policies. */
const LAST_PRIORITY = 1_000_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Okta's password policies beyond the default: each scoped to groups and a provider, in priority order, each
 * through its `policy-<id>` stream on the one write path with `policy.lifecycle.*` in the System Log; and the
 * resolution of a user's effective policy (`effectivePasswordPolicy`) every password check uses.
 */
@Injectable()
export class PasswordPolicies {
  constructor(
    private readonly defaults: PasswordPolicyStore,
    private readonly commandBus: CommandBus,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
  ) {}

  /** Every group policy (active or not) in priority order; the default follows them all. */
  async list(db: Queryable = this.pool): Promise<GroupPolicyRow[]> {
    const { rows } = await db.query<GroupPolicyRow>(
      `SELECT id, name, description, status, (row_number() OVER (${ORDER}))::int AS rank, priority, group_ids, provider,
              settings, created_at, last_updated
         FROM directory_password_policies ${ORDER}`,
    );
    return rows;
  }

  async find(policyId: string): Promise<GroupPolicyRow | null> {
    if (!UUID.test(policyId)) return null;
    return (await this.list()).find((row) => row.id === policyId.toLowerCase()) ?? null;
  }

  /** The policies that can apply (active group policies in order, then the default). */
  set(db: Queryable = this.pool): Promise<PasswordPolicySetV1> {
    return this.defaults.set(db);
  }

  /** An existing user's effective policy (see `PasswordPolicyStore.forUser`). */
  effectiveFor(userId: string, db: Queryable = this.pool) {
    return this.defaults.forUser(userId, db);
  }

  async create(input: GroupPolicyInput, caller: Caller): Promise<GroupPolicyRow> {
    const policyId = this.ids.next();
    const policy = await this.validated(policyId, input, DEFAULT_PASSWORD_POLICY);
    const at = this.clock.now().toISOString();
    await this.execute(policyId, { type: 'CreateGroupPasswordPolicy', policy, at }, caller, {
      eventType: 'policy.lifecycle.create',
      message: 'Create policy',
      name: policy.name,
      newStream: true,
    });
    return this.require(policyId);
  }

  /** Okta's `PUT`: name, conditions, priority and status as given; `settings.password` merged over the current. */
  async replace(policyId: string, input: GroupPolicyInput, caller: Caller): Promise<GroupPolicyRow> {
    const current = await this.require(policyId);
    const policy = await this.validated(current.id, input, current.settings, current);
    const at = this.clock.now().toISOString();
    await this.execute(current.id, { type: 'ReplaceGroupPasswordPolicy', policy, at }, caller, {
      eventType: 'policy.lifecycle.update',
      message: 'Update policy',
      name: policy.name,
    });
    return this.require(current.id);
  }

  /** Okta's `lifecycle/activate|deactivate`. */
  async setStatus(policyId: string, status: PolicyStatus, caller: Caller): Promise<void> {
    const current = await this.require(policyId);
    const policy: GroupPasswordPolicy = { ...this.asPolicy(current), status };
    const at = this.clock.now().toISOString();
    await this.execute(current.id, { type: 'ReplaceGroupPasswordPolicy', policy, at }, caller, {
      eventType: status === 'ACTIVE' ? 'policy.lifecycle.activate' : 'policy.lifecycle.deactivate',
      message: status === 'ACTIVE' ? 'Activate policy' : 'Deactivate policy',
      name: current.name,
    });
  }

  async delete(policyId: string, caller: Caller): Promise<void> {
    const current = await this.require(policyId);
    await this.execute(
      current.id,
      { type: 'DeleteGroupPasswordPolicy', at: this.clock.now().toISOString() },
      caller,
      { eventType: 'policy.lifecycle.delete', message: 'Delete policy', name: current.name },
    );
  }

  async require(policyId: string): Promise<GroupPolicyRow> {
    const row = await this.find(policyId);
    if (!row) throw new NotFoundError('Policy');
    return row;
  }

  private asPolicy(row: GroupPolicyRow): GroupPasswordPolicy {
    return {
      policyId: row.id,
      name: row.name,
      description: row.description,
      status: row.status,
      priority: row.priority,
      groupIds: row.group_ids,
      provider: row.provider,
      settings: row.settings,
    };
  }

  private async validated(
    policyId: string,
    input: GroupPolicyInput,
    settings: PasswordPolicy,
    current?: GroupPolicyRow,
  ): Promise<GroupPasswordPolicy> {
    const causes = nullPaths(input.password ?? {}).map(
      (path) => `settings.password.${path}: must not be null (leave it out to keep the current value)`,
    );
    const unknown = await unknownGroupIds(this.pool, input.groupIds);
    causes.push(...unknown.map((id) => `conditions.people.groups.include: ${id} is not a group`));
    if (input.name.trim() === '') causes.push('name: must not be blank');
    if (input.name.trim().toLowerCase() === 'default policy')
      causes.push('name: An object with this field already exists in the current organization');
    if (causes.length > 0) throw new ValidationFailedError(causes);
    return {
      policyId,
      name: input.name.trim(),
      description: input.description ?? null,
      status: input.status ?? current?.status ?? 'ACTIVE',
      priority: input.priority ?? current?.priority ?? LAST_PRIORITY,
      groupIds: [...new Set(input.groupIds.map((id) => id.toLowerCase()))],
      provider: input.provider ?? current?.provider ?? 'OKTA',
      settings: mergePasswordPolicy(settings, input.password ?? {}),
    };
  }

  private async execute(
    policyId: string,
    command: GroupPasswordPolicyCommand,
    caller: Caller,
    audit: { eventType: AuditEventType; message: string; name: string; newStream?: boolean },
  ): Promise<void> {
    await executeAuditedDecide(
      this.commandBus,
      groupPasswordPolicyDecider,
      groupPasswordPolicyStreamId(policyId),
      command,
      caller,
      {
        eventType: audit.eventType,
        message: audit.message,
        target: { id: policyId, type: 'PasswordPolicy', alternateId: audit.name },
        newStream: audit.newStream,
      },
      {
        constraint: POLICY_NAME_CONSTRAINT,
        cause: 'name: An object with this field already exists in the current organization',
      },
    );
  }
}
