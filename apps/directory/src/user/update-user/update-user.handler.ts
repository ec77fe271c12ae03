import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL, ValidationFailedError } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import { PASSWORD_HASHER, type PasswordHasher } from '../../credentials/password-hasher';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { PASSWORD_REUSED } from '../../policy/domain/password-policy';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import type { ProfilePatch, UpdateUser } from '../domain/user.commands';
import { updatedProfile, userDecider } from '../domain/user.decider';
import type { ExistingUser } from '../domain/user.state';
import { type AuditSpec, UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export interface UserUpdate {
  readonly profile: { readonly patch: ProfilePatch; readonly replace: boolean } | null;
  /** The new password in clear, as the admin sent it: hashed here, never stored or logged as is. */
  readonly password: string | null;
}

const AUDITS: readonly AuditSpec[] = [
  { eventType: 'user.account.update_profile', message: 'Update user profile', when: 'UserProfileUpdated' },
  { eventType: 'user.account.update_password', message: 'Set password by admin', when: 'PasswordSet' },
];

/**
 * Okta's update and replace user: the profile patch and/or a password the admin sets, as one command (one
 * append, nothing half-applied). Order of checks for a password: status and provider (a dry run of the
 * decider), then the policy's complexity and history (400 E0000001 with `password:` causes, as creation
 * answers), then argon2id. The login's uniqueness is the read model's unique index (400 E0000001).
 */
@Injectable()
export class UpdateUserHandler {
  constructor(
    private readonly users: UserCommandService,
    private readonly policies: PasswordPolicyStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async update(idOrLogin: string, update: UserUpdate, caller: Caller): Promise<ExistingUser> {
    const { user } = await requireUser(this.pool, idOrLogin);
    const command: UpdateUser = {
      type: 'UpdateUser',
      profile: update.profile,
      password: update.password === null ? null : { hash: 'pending' },
      at: this.clock.now().toISOString(),
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    const audits = AUDITS.filter((audit) =>
      audit.when === 'PasswordSet' ? command.password : command.profile,
    );
    if (update.password !== null) {
      try {
        userDecider.decide(command, user);
      } catch (error) {
        await this.refused(user, caller, audits, error);
        throw error;
      }
      const profile = command.profile ? updatedProfile(user.profile, command.profile) : user.profile;
      try {
        await this.checkPolicy(user, profile, update.password);
      } catch (error) {
        await this.refused(user, caller, audits, error);
        throw error;
      }
    }
    const { state } = await this.users.execute(
      user.userId,
      {
        ...command,
        password: update.password === null ? null : { hash: await this.hasher.hash(update.password) },
      },
      caller,
      audits,
    );
    return state as ExistingUser;
  }

  private async checkPolicy(user: ExistingUser, profile: ExistingUser['profile'], password: string) {
    const policy = (await this.policies.forUser(user.userId, this.pool)).settings;
    const violations = this.policies.violations(password, policy, profile);
    if (violations.length > 0)
      throw new ValidationFailedError(violations.map((message) => `password: ${message}`));
    if (
      await this.hasher.isRecent(password, user.password?.hash, user.passwordHistory, policy.age.historyCount)
    )
      throw new ValidationFailedError([`password: ${PASSWORD_REUSED(policy.age.historyCount)}`]);
  }

  private async refused(
    user: ExistingUser,
    caller: Caller,
    audits: readonly AuditSpec[],
    error: unknown,
  ): Promise<void> {
    const reason =
      error instanceof ValidationFailedError
        ? `${error.code}: ${error.causes.join(' ')}`
        : String((error as Error).message);
    for (const audit of audits) await this.users.audit(user.userId, caller, { ...audit, reason }, 'FAILURE');
  }
}
