import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, PG_POOL } from '@lapse/shared';
import type { Pool } from 'pg';
import type { Caller } from '../../common/caller';
import type { ExistingUser } from '../domain/user.state';
import { UserCommandService } from '../user-commands.service';
import { requireUser } from '../user-lookup';

/**
 * Sets or ends a user's exemption from the policy's maximum password age, audited as
 * `user.account.update_password_expiry_exemption` (the API's `PUT …/credentials/password_expiry_exemption`
 * and the admin console call this; both let only a super admin).
 */
@Injectable()
export class PasswordAgeExemptionHandler {
  constructor(
    private readonly users: UserCommandService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async set(
    idOrLogin: string,
    exempt: boolean,
    reason: string | null,
    caller: Caller,
  ): Promise<ExistingUser> {
    const { user } = await requireUser(this.pool, idOrLogin);
    const { state } = await this.users.execute(
      user.userId,
      { type: 'SetPasswordAgeExemption', exempt, reason, at: this.clock.now().toISOString() },
      caller,
      {
        eventType: 'user.account.update_password_expiry_exemption',
        message: exempt
          ? 'Exempt user from password expiry by age'
          : 'End exemption from password expiry by age',
        reason,
        debugData: { exempt },
      },
    );
    return state as ExistingUser;
  }
}
