import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, CredentialUpdateFailedError, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import { PASSWORD_HASHER, type PasswordHasher } from '../../credentials/password-hasher';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { PASSWORD_REUSED } from '../../policy/domain/password-policy';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import type { ChangePassword } from '../domain/user.commands';
import { OLD_PASSWORD_NOT_CORRECT, userDecider } from '../domain/user.decider';
import type { ExistingUser } from '../domain/user.state';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

export interface PasswordChanged {
  readonly user: ExistingUser;
  readonly credentialVersion: number | null;
}

/**
 * Change password by proving the old one (admin API and identity's authn flow). Order of checks: status
 * and provider (pure dry run), old password, policy complexity, history; failures are 403 E0000014 with
 * Okta's messages. The decider refuses a proof made against a hash that changed meanwhile.
 */
@Injectable()
export class ChangePasswordHandler {
  constructor(
    private readonly users: UserCommandService,
    private readonly policies: PasswordPolicyStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async change(
    idOrLogin: string,
    oldPassword: string,
    newPassword: string,
    caller: Caller,
  ): Promise<PasswordChanged> {
    const { user } = await requireUser(this.pool, idOrLogin);
    const policy = (await this.policies.forUser(user.userId, this.pool)).settings;
    const verifiedHash = user.password?.hash ?? '';
    const command: ChangePassword = {
      type: 'ChangePassword',
      verifiedHash,
      newHash: 'pending',
      minAgeMinutes: policy.age.minAgeMinutes,
      at: this.clock.now().toISOString(),
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    const audit = { eventType: 'user.account.update_password' as const, message: 'Change password' };
    const refuse = async (causes: string[]) => {
      const error = new CredentialUpdateFailedError(causes);
      await this.users.audit(
        user.userId,
        caller,
        { ...audit, reason: `${error.code}: ${causes.join(' ')}` },
        'FAILURE',
      );
      return error;
    };
    try {
      userDecider.decide(command, user);
    } catch (error) {
      await this.users.audit(
        user.userId,
        caller,
        { ...audit, reason: String((error as Error).message) },
        'FAILURE',
      );
      throw error;
    }
    if (!(await this.hasher.verify(user.password?.hash, oldPassword)))
      throw await refuse([OLD_PASSWORD_NOT_CORRECT]);
    const violations = this.policies.violations(newPassword, policy, user.profile);
    if (violations.length > 0) throw await refuse(violations);
    if (await this.hasher.isRecent(newPassword, verifiedHash, user.passwordHistory, policy.age.historyCount))
      throw await refuse([PASSWORD_REUSED(policy.age.historyCount)]);
    const { state, events } = await this.users.execute(
      user.userId,
      { ...command, newHash: await this.hasher.hash(newPassword) },
      caller,
      audit,
    );
    const snapshot = events.find((event) => event.type === 'CredentialStateRecorded');
    return { user: state as ExistingUser, credentialVersion: snapshot?.version ?? null };
  }
}
