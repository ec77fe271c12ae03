import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, DomainError, PG_POOL, type Queryable } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import { PASSWORD_HASHER, type PasswordHasher } from '../../credentials/password-hasher';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import { PASSWORD_REUSED } from '../../policy/domain/password-policy';
import { PasswordPolicyStore } from '../../policy/password-policy.store';
import type { CompleteRecovery } from '../domain/user.commands';
import {
  isLiveRecoveryLink,
  liveRecoveryLink,
  recoveryLinkInvalid,
  userDecider,
} from '../domain/user.decider';
import type { ExistingUser } from '../domain/user.state';
import type { DirectoryUserRow } from '../read-models/directory-users.projection';
import { UserCommandService } from '../user-commands.service';

/** Okta's code for a new password the policy refuses in a reset (change uses E0000014). */
export const passwordPolicyViolated = (causes: readonly string[]) =>
  new DomainError(
    'E0000080',
    'The password does not meet the complexity requirements of the current password policy.',
    causes,
  );

/**
 * The user whose outstanding reset link has this SHA-256, while it is live; else E0000105. The link is an
 * admin's reset (status RECOVERY) or the user's own forgot-password request (`pendingRecovery`, any status).
 * It reads the table, not `directory_users_current`, so the partial indexes serve it; a user with a pending
 * bulk expiry (which ends a link) is left out, so the stored `state` is current for every row it can match.
 */
async function userWithLiveLink(db: Queryable, tokenHash: string, at: string): Promise<ExistingUser> {
  const { rows } = await db.query<Pick<DirectoryUserRow, 'state'>>(
    `SELECT state FROM directory_users u
      WHERE ((status = 'RECOVERY' AND state->'recovery'->>'tokenHash' = $1)
             OR state->'pendingRecovery'->>'tokenHash' = $1)
        AND NOT EXISTS (SELECT FROM directory_bulk_expired b WHERE b.user_id = u.id)`,
    [tokenHash],
  );
  const user = rows[0]?.state;
  if (!user || !isLiveRecoveryLink(user, tokenHash, at)) throw recoveryLinkInvalid();
  return user;
}

export interface RecoveryCompleted {
  readonly userId: string;
  readonly credentialVersion: number | null;
}

/**
 * The reset-password link, used through identity's authn recovery flow. `verify` says whose link it is;
 * `complete` checks the new password (complexity, history: 403 E0000080 with causes), then spends the link
 * in the same command that sets the password. A link that is unknown, spent, superseded or expired is
 * 401 E0000105, the same answer every time. Only SHA-256 digests of links ever reach directory.
 */
@Injectable()
export class CompleteRecoveryHandler {
  constructor(
    private readonly users: UserCommandService,
    private readonly policies: PasswordPolicyStore,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async verify(tokenHash: string): Promise<{ user: ExistingUser; expiresAt: string }> {
    const at = this.clock.now().toISOString();
    const user = await userWithLiveLink(this.pool, tokenHash, at);
    const link = liveRecoveryLink(user, tokenHash, at);
    if (!link) throw recoveryLinkInvalid();
    return { user, expiresAt: link.expiresAt };
  }

  async complete(
    userId: string,
    tokenHash: string,
    newPassword: string,
    caller: Caller,
  ): Promise<RecoveryCompleted> {
    const at = this.clock.now().toISOString();
    const user = await userWithLiveLink(this.pool, tokenHash, at);
    if (user.userId !== userId) throw recoveryLinkInvalid();
    const command: CompleteRecovery = {
      type: 'CompleteRecovery',
      tokenHash,
      newHash: 'pending',
      at,
      delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
    };
    const audit = {
      eventType: 'user.account.update_password' as const,
      message: 'Reset password with a recovery link',
      debugData: { recovery: true },
    };
    const refuse = async (error: DomainError) => {
      await this.users.audit(
        user.userId,
        caller,
        { ...audit, reason: `${error.code}: ${error.causes.join(' ') || error.message}` },
        'FAILURE',
      );
      return error;
    };
    try {
      userDecider.decide(command, user);
    } catch (error) {
      if (error instanceof DomainError) throw await refuse(error);
      throw error;
    }
    const policy = (await this.policies.forUser(user.userId, this.pool)).settings;
    const violations = this.policies.violations(newPassword, policy, user.profile);
    if (violations.length > 0) throw await refuse(passwordPolicyViolated(violations));
    if (
      await this.hasher.isRecent(
        newPassword,
        user.password?.hash,
        user.passwordHistory,
        policy.age.historyCount,
      )
    )
      throw await refuse(passwordPolicyViolated([PASSWORD_REUSED(policy.age.historyCount)]));
    const { events } = await this.users.execute(
      user.userId,
      { ...command, newHash: await this.hasher.hash(newPassword) },
      caller,
      audit,
    );
    const snapshot = events.find((event) => event.type === 'CredentialStateRecorded');
    return { userId: user.userId, credentialVersion: snapshot?.version ?? null };
  }
}
