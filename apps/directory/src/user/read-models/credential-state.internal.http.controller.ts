import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { NotFoundError, PG_POOL } from '@lapse/shared';
import type { CredentialStateChangedV1 } from '@lapse/shared/contracts/directory.v1';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import type { Pool } from 'pg';
import { userStreamId } from '../domain/user.decider';
import type { CredentialSnapshot } from '../domain/user.events';
import { credentialStateChanged } from './credential-state';
import { isUserId } from './directory-users.projection';

/**
 * `GET /internal/v1/users/{id}/credential-state`: the latest credential snapshot, the same shape and
 * `credentialVersion` as the CredentialStateChanged message identity receives.
 */
@Controller('internal/v1/users')
@UseGuards(ServiceAuthGuard)
export class CredentialStateInternalHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':id/credential-state')
  async get(@Param('id') id: string): Promise<CredentialStateChangedV1> {
    if (!isUserId(id)) throw new NotFoundError('User');
    const { rows } = await this.pool.query<{ version: number; data: CredentialSnapshot }>(
      `SELECT version, data FROM lapse_events WHERE stream_id = $1 AND type = 'CredentialStateRecorded'
        ORDER BY version DESC LIMIT 1`,
      [userStreamId(id)],
    );
    if (!rows[0]) throw new NotFoundError('User');
    return credentialStateChanged(rows[0].data, rows[0].version);
  }
}
