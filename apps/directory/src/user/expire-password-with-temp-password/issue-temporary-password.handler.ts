import { Inject, Injectable } from '@nestjs/common';
import {
  CLOCK,
  type Clock,
  DomainError,
  ID_SOURCE,
  type IdSource,
  PG_POOL,
  ValidationFailedError,
} from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import {
  NOTIFIER_SEALER,
  NotifierKeyUnavailableError,
  type NotifierSealer,
} from '../../credentials/notifier-sealer';
import { PASSWORD_HASHER, type PasswordHasher } from '../../credentials/password-hasher';
import { generateTemporaryPassword } from '../../credentials/temporary-password.generator';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import type { ExpirePasswordWithTemporaryPassword } from '../domain/user.commands';
import { userDecider } from '../domain/user.decider';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export type DeliveryChoice = 'auto' | 'email' | 'voice' | 'none';

const VOICE_LIFETIME_MINUTES = 10;

/**
 * Expires the password with a temporary one: generated here from the CSPRNG, hashed with argon2id, sealed
 * for the notifier (unless the admin delivers it), and returned once to the caller. The plaintext is
 * never stored, logged or published.
 */
@Injectable()
export class IssueTemporaryPasswordHandler {
  constructor(
    private readonly users: UserCommandService,
    private readonly policies: PasswordPolicyStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(NOTIFIER_SEALER) private readonly sealer: NotifierSealer,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_SOURCE) private readonly ids: IdSource,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async issue(
    idOrLogin: string,
    options: {
      revokeSessions: boolean;
      deliver: DeliveryChoice;
      /** The admin's choice for this one (`tempPasswordLifetimeMinutes`); null: the configured default. */
      lifetimeMinutes?: number | null;
    },
    caller: Caller,
  ): Promise<{ tempPassword: string }> {
    const requested = this.requestedLifetime(options.lifetimeMinutes ?? null);
    const { user } = await requireUser(this.pool, idOrLogin);
    const now = this.clock.now();
    const at = now.toISOString();
    const chosen = requested ?? this.config.temporaryPasswordLifetimeMinutes;
    const lifetime = options.deliver === 'voice' ? Math.min(VOICE_LIFETIME_MINUTES, chosen) : chosen;
    const expiresAt = new Date(now.getTime() + lifetime * 60_000).toISOString();
    const deliveryId = this.ids.next();
    const base = {
      type: 'ExpirePasswordWithTemporaryPassword' as const,
      expiresAt,
      deliveryId,
      revokeSessions: options.revokeSessions,
      reason: null,
      at,
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    // Refuse early (status, provider) before spending a hash and a key fetch; the handler decides again.
    userDecider.decide({ ...base, hash: 'pending', delivery: null }, user);

    const tempPassword = generateTemporaryPassword(
      (await this.policies.forUser(user.userId, this.pool)).settings,
      user.profile,
    );
    const hash = await this.hasher.hash(tempPassword);
    let delivery: ExpirePasswordWithTemporaryPassword['delivery'] = null;
    if (options.deliver !== 'none') {
      try {
        const sealed = await this.sealer.seal({ tempPassword, userId: user.userId, deliveryId, expiresAt });
        delivery = {
          channel: options.deliver.toUpperCase() as 'AUTO' | 'EMAIL' | 'VOICE',
          sealedPassword: sealed.jwe,
          kid: sealed.kid,
        };
      } catch (error) {
        if (error instanceof NotifierKeyUnavailableError) {
          throw new DomainError('E0000050', 'Service unavailable', [
            'The notifier key is unavailable; retry, or use deliver=none',
          ]);
        }
        throw error;
      }
    }
    await this.users.execute(user.userId, { ...base, hash, delivery }, caller, {
      eventType: 'user.account.expire_password',
      message: 'Expire password with a temporary password',
      debugData: {
        tempPasswordCreated: true,
        sessionsRevoked: options.revokeSessions,
        delivery: options.deliver,
        deliveryId,
      },
    });
    return { tempPassword };
  }

  /** The admin's lifetime, within 1 and the org's maximum (`TEMP_PASSWORD_MAX_LIFETIME_MINUTES`), or 400. */
  private requestedLifetime(minutes: number | null): number | null {
    if (minutes === null) return null;
    const max = this.config.temporaryPasswordMaxLifetimeMinutes;
    if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > max)
      throw new ValidationFailedError([
        `tempPasswordLifetimeMinutes: must be between 1 and ${max} minutes (the org's maximum)`,
      ]);
    return minutes;
  }
}
