import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, EventStoreProvider, LOGGER, type Logger } from '@lapse/shared';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import { ageExpiryReason } from '../domain/user.decider';
import type { GroupPasswordPolicyV1, PasswordPolicySetV1 } from '@lapse/shared/core';
import {
  type AgeExpiryBatchRequest,
  expireByAgeFromReadModel,
  type PolicyMembership,
} from './expire-by-age.batch';

const DAY_MS = 86_400_000;

/**
 * The sweep's advisory lock (`pg_try_advisory_xact_lock`), one key for every directory instance sharing the
 * database: while one instance runs a batch the others skip that round, so two sweeps never expire a user
 * twice. The key is an arbitrary constant ("lapseage" in ASCII).
 */
export const PASSWORD_AGE_SWEEP_LOCK = 0x6c61707365616765n;

export interface SweepOutcome {
  /** Users whose password this sweep expired. */
  readonly expired: number;
  /** Batch statements run (each its own transaction). */
  readonly batches: number;
  /** True when another instance held the sweep's lock, so this one stopped without sweeping the rest. */
  readonly yielded: boolean;
}

/**
 * The policies' maximum password age, made visible: every `POLICY_SWEEP_INTERVAL_SECONDS` (0: never), the
 * users whose password is past their effective policy's `maxAgeDays` at the injected clock's now get `PasswordExpired` (cause
 * POLICY), in batches of `POLICY_SWEEP_BATCH_SIZE`, each one set-based statement under the sweep's advisory
 * lock (`expire-by-age.batch.ts`). Their status becomes PASSWORD_EXPIRED, the event is published like any
 * other, and the System Log records it. Expired users leave the sweep's index, so a second sweep finds
 * nobody and a sweep's work is the users it expires.
 */
@Injectable()
export class PasswordAgeSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly eventStore: EventStoreProvider,
    private readonly policies: PasswordPolicyStore,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.policySweepIntervalSeconds;
    if (seconds <= 0) return;
    this.timer = setInterval(() => void this.sweepInBackground(), seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async sweepInBackground(): Promise<void> {
    if (this.running) return;
    this.running = this.sweep()
      .then((outcome) => {
        if (outcome.expired > 0) this.logger.info({ ...outcome }, 'passwords expired by maximum age');
      })
      .catch((error) =>
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'age sweep failed'),
      )
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }

  /**
   * One sweep at `now` (the clock's by default): every password past its user's policy's maximum age then.
   * One pass per policy with a maximum age, each over the index range of its own cutoff and filtered to the
   * users that policy governs (group policies first by priority, then the default for everyone else).
   */
  async sweep(now: Date = this.clock.now()): Promise<SweepOutcome> {
    let expired = 0;
    let batches = 0;
    for (const pass of agePasses(await this.policies.set())) {
      const outcome = await this.sweepPass(now, pass);
      expired += outcome.expired;
      batches += outcome.batches;
      if (outcome.yielded) return { expired, batches, yielded: true };
    }
    return { expired, batches, yielded: false };
  }

  private async sweepPass(now: Date, pass: AgePass): Promise<SweepOutcome> {
    const { maxAgeDays } = pass;
    const request: AgeExpiryBatchRequest = {
      cutoff: new Date(now.getTime() - maxAgeDays * DAY_MS).toISOString(),
      maxAgeDays,
      now: now.toISOString(),
      reason: ageExpiryReason(maxAgeDays),
      correlationId: `policy-sweep-${randomUUID()}`,
      limit: this.config.policySweepBatchSize,
      ...(pass.scope ? { scope: pass.scope } : {}),
    };
    let expired = 0;
    let batches = 0;
    for (;;) {
      const batch = await this.eventStore.transaction(async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_xact_lock($1::bigint) AS locked',
          [PASSWORD_AGE_SWEEP_LOCK.toString()],
        );
        if (!rows[0].locked) return null;
        return expireByAgeFromReadModel(tx, request);
      });
      if (batch === null) return { expired, batches, yielded: true };
      batches++;
      expired += batch.expired;
      if (batch.candidates < request.limit || batch.expired === 0)
        return { expired, batches, yielded: false };
    }
  }
}

interface AgePass {
  readonly maxAgeDays: number;
  readonly scope?: AgeExpiryBatchRequest['scope'];
}

/** The provider types a policy's `authProvider` condition covers (as `providerMatches` decides). */
const PROVIDER_TYPES: Record<GroupPasswordPolicyV1['provider'], readonly string[]> = {
  OKTA: ['OKTA', 'IMPORT'],
  ACTIVE_DIRECTORY: ['ACTIVE_DIRECTORY'],
};

function membershipOf(policies: readonly GroupPasswordPolicyV1[]): PolicyMembership {
  const pairs = policies.flatMap((policy) =>
    policy.groupIds.flatMap((groupId) => PROVIDER_TYPES[policy.provider].map((type) => [groupId, type])),
  );
  return { groupIds: pairs.map(([groupId]) => groupId), providerTypes: pairs.map(([, type]) => type) };
}

/**
 * The sweep's passes: each active group policy with a maximum age over its members not governed by an
 * earlier one, then the default over everyone no group policy governs. With no group policy: one pass, no scope.
 */
export function agePasses(set: PasswordPolicySetV1): AgePass[] {
  const passes: AgePass[] = set.policies.flatMap((policy, index) =>
    policy.settings.age.maxAgeDays > 0
      ? [
          {
            maxAgeDays: policy.settings.age.maxAgeDays,
            scope: { match: membershipOf([policy]), earlier: membershipOf(set.policies.slice(0, index)) },
          },
        ]
      : [],
  );
  const maxAgeDays = set.defaultPolicy.age.maxAgeDays;
  if (maxAgeDays > 0)
    passes.push(
      set.policies.length === 0
        ? { maxAgeDays }
        : { maxAgeDays, scope: { match: null, earlier: membershipOf(set.policies) } },
    );
  return passes;
}
