import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { NotFoundError, PG_POOL } from '@lapse/shared';
import type { CredentialStateChangedV1 } from '@lapse/shared/contracts/directory.v1';
import { ServiceAuthGuard } from '@lapse/shared/http/service-auth';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';
import type { Pool } from 'pg';
import { userStreamId } from '../domain/user.decider';
import { type CredentialRecord, currentCredentialState } from './credential-state';
import { isUserId } from './directory-users.projection';

/** At most this many users per `POST /internal/v1/users/credential-states`. */
export const MAX_CREDENTIAL_STATES = 1000;

export class CredentialStatesRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CREDENTIAL_STATES)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  userIds!: string[];
}

/**
 * The latest snapshot of each stream and any bulk expiry after it (which records no snapshot of its own),
 * oldest first per stream.
 */
const CREDENTIAL_RECORDS = `
  WITH latest AS (
    SELECT stream_id, max(version) AS version FROM lapse_events
     WHERE stream_id = ANY ($1::text[]) AND type = 'CredentialStateRecorded'
     GROUP BY stream_id
  )
  SELECT e.stream_id, e.version, e.type, e.data
    FROM latest JOIN lapse_events e ON e.stream_id = latest.stream_id AND e.version >= latest.version
   WHERE e.stream_id = ANY ($1::text[])
     AND (e.type = 'CredentialStateRecorded' OR (e.type = 'PasswordExpired' AND e.data ? 'credentialStatus'))
   ORDER BY e.stream_id, e.version`;

/**
 * Identity asks here when its projection may be behind (docs/identity.md, "Freshness"):
 * - `GET /internal/v1/users/{id}/credential-state`: one user's current credential, the same shape and
 *   `credentialVersion` as the newest credential message identity receives (a CredentialStateChanged, or a
 *   bulk PasswordExpired carrying the change); 404 for an unknown user.
 * - `POST /internal/v1/users/credential-states {userIds}`: the same for up to 1,000 users in one statement →
 *   `{states: [...]}`, unknown users left out. Identity gathers the sign-ins that need confirming while a
 *   call is under way into the next one, so a busy directory (a bulk fan-out) answers a few calls a second
 *   instead of one per sign-in.
 */
@Controller('internal/v1/users')
@UseGuards(ServiceAuthGuard)
export class CredentialStateInternalHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':id/credential-state')
  async get(@Param('id') id: string): Promise<CredentialStateChangedV1> {
    const [current] = await this.statesOf([id]);
    if (!current) throw new NotFoundError('User');
    return current;
  }

  @Post('credential-states')
  @HttpCode(200)
  async many(@Body() body: CredentialStatesRequestDto): Promise<{ states: CredentialStateChangedV1[] }> {
    return { states: await this.statesOf(body.userIds) };
  }

  private async statesOf(ids: readonly string[]): Promise<CredentialStateChangedV1[]> {
    const streams = [...new Set(ids.filter(isUserId).map(userStreamId))];
    if (streams.length === 0) return [];
    const { rows } = await this.pool.query<CredentialRecord & { stream_id: string }>(
      { name: 'directory-credential-states', text: CREDENTIAL_RECORDS },
      [streams],
    );
    const byStream = new Map<string, CredentialRecord[]>();
    for (const row of rows) {
      const records = byStream.get(row.stream_id) ?? [];
      records.push(row);
      byStream.set(row.stream_id, records);
    }
    return [...byStream.values()].flatMap((records) => currentCredentialState(records) ?? []);
  }
}
