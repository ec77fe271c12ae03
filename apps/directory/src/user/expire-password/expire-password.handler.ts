import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import { DIRECTORY_CONFIG, type DirectoryConfig } from '../../directory.config';
import type { ExistingUser } from '../domain/user.state';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

/**
 * Expires one user's password (PASSWORD_EXPIRED; the current password still opens the change-password step
 * at next sign-in; sessions are kept). The API route and the admin console both call this.
 */
@Injectable()
export class ExpirePasswordHandler {
  constructor(
    private readonly users: UserCommandService,
    @Inject(DIRECTORY_CONFIG) private readonly config: DirectoryConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async expire(idOrLogin: string, caller: Caller): Promise<ExistingUser> {
    const { user } = await requireUser(this.pool, idOrLogin);
    const { state } = await this.users.execute(
      user.userId,
      {
        type: 'ExpirePassword',
        reason: null,
        at: this.clock.now().toISOString(),
        delegatedPasswordReset: this.config.orgDelegatedPasswordReset,
      },
      caller,
      {
        eventType: 'user.account.expire_password',
        message: 'Expire password',
        debugData: {
          tempPasswordCreated: false,
          sessionsRevoked: false,
          delegated: user.provider.type !== 'OKTA' && user.provider.type !== 'IMPORT',
        },
      },
    );
    return state as ExistingUser;
  }
}
