import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { NotFoundError, PG_POOL } from '@lapse/shared';
import type { CredentialStateChangedV1 } from '@lapse/shared/contracts/directory.v1';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Pool } from 'pg';
import { userStreamId } from '../domain/user.decider';
import { type CredentialRecord, currentCredentialState } from './credential-state';
import { isUserId } from './directory-users.projection';

/**
 * `GET /internal/v1/users/{id}/credential-state`: the user's current credential, the same shape and
 * `credentialVersion` as the newest credential message identity receives (a CredentialStateChanged, or a
 * bulk PasswordExpired carrying the change).
 */
@Controller('internal/v1/users')
@UseGuards(ServiceAuthGuard)
export class CredentialStateInternalHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':id/credential-state')
  async get(@Param('id') id: string): Promise<CredentialStateChangedV1> {
    if (!isUserId(id)) throw new NotFoundError('User');
    // The latest snapshot and any bulk expiry after it (which records no snapshot of its own).
    const { rows } = await this.pool.query<CredentialRecord>(
      `SELECT version, type, data FROM lapse_events
        WHERE stream_id = $1
          AND version >= (SELECT max(version) FROM lapse_events
                           WHERE stream_id = $1 AND type = 'CredentialStateRecorded')
          AND (type = 'CredentialStateRecorded' OR (type = 'PasswordExpired' AND data ? 'credentialStatus'))
        ORDER BY version`,
      [userStreamId(id)],
    );
    const current = currentCredentialState(rows);
    if (!current) throw new NotFoundError('User');
    return current;
  }
}
